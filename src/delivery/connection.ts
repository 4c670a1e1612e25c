import { createRequire } from 'node:module';
import { connect as netConnect, type Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { RESPONSE_SNIPPET_BYTES } from '../protocol/index.js';
import { DELIVERY_TIMEOUT_MS, EMPTY_RESPONSE, localhostLookup, type SendResult } from './send.js';
import { ResponseParser } from './response-parser.js';

// node:tls costs several ms to load, so it is loaded only for an https URL.
const require = createRequire(import.meta.url);

/**
 * One keep-alive HTTP/1.1 connection that sends one request at a time, for `trigger --count`.
 * It writes each request as a single buffer and parses the response itself, which makes it
 * several times cheaper per request than node:http's client, so a run measures the
 * receiver rather than stamp7. Like sendRequest it never throws for network or HTTP
 * failures, never follows redirects, and reconnects after a close.
 */
export class KeepAliveConnection {
  private socket: Socket | undefined;
  private readonly hostHeader: string;
  private readonly path: string;

  constructor(private readonly url: URL) {
    this.hostHeader = url.host;
    this.path = `${url.pathname}${url.search}`;
  }

  /** Sends one POST with the exact body bytes and measures it, from connect (when needed) to the last byte. */
  send(headers: Record<string, string>, body: Buffer, timeoutMs = DELIVERY_TIMEOUT_MS, maxResponseBytes = RESPONSE_SNIPPET_BYTES): Promise<SendResult> {
    const started = performance.now();
    const request = this.encode(headers, body);

    return new Promise((resolve) => {
      const socket = this.socket ?? this.open();
      const parser = new ResponseParser(maxResponseBytes);
      let settled = false;

      const finish = (result: Omit<SendResult, 'durationMs'>, keepSocket: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('data', onData);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
        if (!keepSocket) this.drop(socket);
        resolve({ ...result, durationMs: Math.round((performance.now() - started) * 100) / 100 });
      };
      const fail = (code: string, message: string): void =>
        finish({ statusCode: null, error: { code, message }, responseHeaders: {}, responseBody: Buffer.alloc(0), responseBytes: 0, redirectLocation: undefined }, false);

      let receivedBytes = 0;
      const onData = (chunk: Buffer): void => {
        receivedBytes += chunk.length;
        let done: boolean;
        try {
          done = parser.push(chunk);
        } catch (error) {
          fail('HTTP_PARSE', (error as Error).message);
          return;
        }
        if (done) this.complete(parser, finish);
      };
      const onError = (error: NodeJS.ErrnoException): void => fail(error.code ?? 'ERROR', error.message);
      const onClose = (): void => {
        // A body without a length ends when the server closes the connection.
        if (parser.endOfStream()) this.complete(parser, finish);
        else if (receivedBytes === 0) fail(EMPTY_RESPONSE, 'the connection closed before any response');
        else fail('ECONNRESET', 'the connection closed before the answer was complete');
      };
      const timer = setTimeout(() => fail('ETIMEDOUT', `no complete answer within ${timeoutMs} ms`), timeoutMs);

      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.write(request);
    });
  }

  /** Closes the connection; a later send opens a new one. */
  close(): void {
    if (this.socket) this.drop(this.socket);
  }

  private complete(parser: ResponseParser, finish: (result: Omit<SendResult, 'durationMs'>, keepSocket: boolean) => void): void {
    const status = parser.statusCode;
    const headers: IncomingHttpHeaders = parser.headers;
    const location = status >= 300 && status < 400 ? (headers.location as string | undefined) : undefined;
    finish(
      { statusCode: status, error: null, responseHeaders: headers, responseBody: parser.body(), responseBytes: parser.bodyBytes, redirectLocation: location },
      parser.keepAlive,
    );
  }

  private open(): Socket {
    const port = Number(this.url.port || (this.url.protocol === 'https:' ? 443 : 80));
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    let socket: Socket;
    if (this.url.protocol === 'https:') {
      const tls = require('node:tls') as typeof import('node:tls');
      socket = tls.connect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, lookup: localhostLookup, ALPNProtocols: ['http/1.1'] });
    } else {
      socket = netConnect({ host, port, lookup: localhostLookup });
    }
    socket.setNoDelay(true);
    // Errors between requests (an idle connection reset by the server) only drop the socket.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.socket = socket;
    return socket;
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
  }

  private encode(headers: Record<string, string>, body: Buffer): Buffer {
    let head = `POST ${this.path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      // The bytes go on the wire as they are, so reject what would split a header line.
      if (/[\r\n\0]/.test(name) || /[\r\n\0]/.test(value) || /[^\t\x20-\x7e\x80-\xff]/.test(value)) {
        throw new TypeError(`invalid character in the header ${JSON.stringify(name)}`);
      }
      head += `${name}: ${value}\r\n`;
    }
    head += `Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
    const headBytes = Buffer.from(head, 'latin1');
    return Buffer.concat([headBytes, body], headBytes.length + body.length);
  }
}
