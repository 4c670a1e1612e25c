import { describe, expect, it } from 'vitest';
import { ResponseParser } from '../../src/delivery/response-parser.js';

/** Feeds a response one byte at a time, so every split point is exercised; returns whether it completed. */
function feedBytewise(parser: ResponseParser, text: string): boolean {
  const bytes = Buffer.from(text, 'latin1');
  let done = false;
  for (let index = 0; index < bytes.length; index++) done = parser.push(bytes.subarray(index, index + 1));
  return done;
}

describe('ResponseParser', () => {
  it('reads a Content-Length body', () => {
    const parser = new ResponseParser(1024);
    expect(feedBytewise(parser, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello')).toBe(true);
    expect(parser.statusCode).toBe(200);
    expect(parser.body().toString()).toBe('hello');
    expect(parser.headers['x-a']).toBe('1, 2');
    expect(parser.keepAlive).toBe(true);
  });

  it('reads a chunked body with trailers', () => {
    const parser = new ResponseParser(1024);
    const done = feedBytewise(parser, 'HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nboom\r\nA\r\n: 01234567\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect(done).toBe(true);
    expect(parser.statusCode).toBe(500);
    expect(parser.body().toString()).toBe('boom: 01234567');
    expect(parser.bodyBytes).toBe(14);
  });

  it('keeps only the first bytes of a large body', () => {
    const parser = new ResponseParser(4);
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789'))).toBe(true);
    expect(parser.body().toString()).toBe('0123');
    expect(parser.bodyBytes).toBe(10);
  });

  it('skips interim answers', () => {
    const parser = new ResponseParser(64);
    expect(parser.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'))).toBe(true);
    expect(parser.statusCode).toBe(201);
  });

  it('ends 204 and 304 without a body', () => {
    for (const status of [204, 304]) {
      const parser = new ResponseParser(64);
      expect(parser.push(Buffer.from(`HTTP/1.1 ${status} X\r\n\r\n`))).toBe(true);
      expect(parser.bodyBytes).toBe(0);
    }
  });

  it('reads to the close without a length', () => {
    const parser = new ResponseParser(64);
    expect(parser.push(Buffer.from('HTTP/1.0 302 Found\r\nLocation: /next\r\n\r\nmoved'))).toBe(false);
    expect(parser.endOfStream()).toBe(true);
    expect(parser.body().toString()).toBe('moved');
    expect(parser.headers.location).toBe('/next');
    expect(parser.keepAlive).toBe(false);
  });

  it('honours Connection: close', () => {
    const parser = new ResponseParser(64);
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    expect(parser.keepAlive).toBe(false);
  });

  it('reports an incomplete body at the close', () => {
    const parser = new ResponseParser(64);
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(parser.endOfStream()).toBe(false);
  });

  it('rejects invalid HTTP', () => {
    const bad = [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ];
    for (const text of bad) expect(() => new ResponseParser(64).push(Buffer.from(text)), text).toThrow();
  });
});
