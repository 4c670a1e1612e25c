import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeApiHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
  atMs: number;
}

export interface FakeApi {
  url: string;
  /** Handlers for the next requests, used once each in order. */
  queue: FakeApiHandler[];
  /** Every request, in arrival order. */
  seen: SeenRequest[];
  /** Empties `queue` and `seen` in place, so references to them stay valid. */
  reset(): void;
  close(): Promise<void>;
}

const EMPTY_PAGE = '{"data":[],"has_more":false,"next_cursor":null}';

/**
 * Starts a fake platform API on 127.0.0.1, port 0, that responds from a queue of handlers.
 * Once the queue is empty, it responds with 200 and `defaultBody` (an empty list page by default).
 */
export async function startFakeApi(defaultBody = EMPTY_PAGE): Promise<FakeApi> {
  const queue: FakeApiHandler[] = [];
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body, atMs: Date.now() });
      const handler = queue.shift();
      if (handler) handler(request, response);
      else response.writeHead(200, { 'content-type': 'application/json' }).end(defaultBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queue,
    seen,
    reset() {
      queue.length = 0;
      seen.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
