import type { IncomingHttpHeaders } from 'node:http';

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * An incremental parser of one HTTP/1.1 response: status line, headers, then a body framed
 * by Content-Length, chunked encoding, or the end of the connection. Interim 1xx responses
 * are skipped. It keeps the first `maxBodyBytes` of the body and counts the rest. Throws an
 * Error for anything that is not valid HTTP.
 */
export class ResponseParser {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  bodyBytes = 0;
  /** False when the server asked to close the connection, or the body ran to the close. */
  keepAlive = true;

  private buffer: Buffer = Buffer.alloc(0);
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done' = 'head';
  private remaining = 0;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  constructor(private readonly maxBodyBytes: number) {}

  /** Feeds bytes; returns true once the response is complete. */
  push(chunk: Buffer): boolean {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      switch (this.state) {
        case 'head':
          if (!this.parseHead()) return false;
          break;
        case 'length':
          this.takeBody(this.remaining);
          if (this.remaining > 0) return false;
          this.state = 'done';
          break;
        case 'chunk-size': {
          const line = this.takeLine();
          if (line === undefined) return false;
          const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
          if (!/^[0-9a-fA-F]+$/.test(line.split(';')[0]!.trim()) || Number.isNaN(size)) throw new Error(`invalid chunk size "${line.slice(0, 20)}"`);
          this.remaining = size;
          this.state = size === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data':
          this.takeBody(this.remaining);
          if (this.remaining > 0) return false;
          this.state = 'chunk-end';
          break;
        case 'chunk-end': {
          const line = this.takeLine();
          if (line === undefined) return false;
          if (line !== '') throw new Error('missing CRLF after a chunk');
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          const line = this.takeLine();
          if (line === undefined) return false;
          if (line === '') this.state = 'done';
          break;
        }
        case 'until-close':
          this.takeBody(this.buffer.length);
          return false;
        case 'done':
          return true;
      }
    }
  }

  /** Called when the connection closed; returns true when that completes the response. */
  endOfStream(): boolean {
    if (this.state === 'until-close') {
      this.state = 'done';
      return true;
    }
    return this.state === 'done';
  }

  body(): Buffer {
    return Buffer.concat(this.kept, this.keptBytes);
  }

  private parseHead(): boolean {
    const end = this.buffer.indexOf(HEAD_END);
    if (end === -1) {
      if (this.buffer.length > MAX_HEAD_BYTES) throw new Error('the response head is larger than 64 KiB');
      return false;
    }
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    this.buffer = this.buffer.subarray(end + HEAD_END.length);

    const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]!);
    if (!status) throw new Error(`invalid status line "${lines[0]!.slice(0, 40)}"`);
    const minorVersion = Number(status[1]);
    this.statusCode = Number(status[2]);
    const headers: IncomingHttpHeaders = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`invalid header line "${line.slice(0, 40)}"`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const existing = headers[name];
      if (name === 'set-cookie') headers[name] = [...((existing as string[] | undefined) ?? []), value];
      else headers[name] = existing === undefined ? value : `${String(existing)}, ${value}`;
    }

    // An interim response (100 Continue, 103 Early Hints) is followed by the final one.
    if (this.statusCode >= 100 && this.statusCode < 200) return true;
    this.headers = headers;

    const connection = String(headers.connection ?? '').toLowerCase();
    this.keepAlive = minorVersion === 1 ? !connection.includes('close') : connection.includes('keep-alive');
    const transferEncoding = String(headers['transfer-encoding'] ?? '').toLowerCase();
    if (this.statusCode === 204 || this.statusCode === 304) {
      this.state = 'done';
    } else if (transferEncoding.includes('chunked')) {
      this.state = 'chunk-size';
    } else if (headers['content-length'] !== undefined) {
      const length = String(headers['content-length']);
      if (!/^\d+$/.test(length)) throw new Error(`invalid Content-Length "${length.slice(0, 20)}"`);
      this.remaining = Number(length);
      this.state = 'length';
    } else {
      this.keepAlive = false;
      this.state = 'until-close';
    }
    return true;
  }

  private takeLine(): string | undefined {
    const end = this.buffer.indexOf('\r\n');
    if (end === -1) return undefined;
    const line = this.buffer.subarray(0, end).toString('latin1');
    this.buffer = this.buffer.subarray(end + 2);
    return line;
  }

  private takeBody(wanted: number): void {
    const length = Math.min(wanted, this.buffer.length);
    if (length === 0) return;
    const piece = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    this.remaining -= length;
    this.bodyBytes += length;
    if (this.keptBytes < this.maxBodyBytes) {
      const slice = piece.subarray(0, this.maxBodyBytes - this.keptBytes);
      this.kept.push(slice);
      this.keptBytes += slice.length;
    }
  }
}
