import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply, Route, SandboxContext } from './context.js';
import { bearerToken } from './listen-auth.js';
import { ApiError } from './validate.js';

/** The largest request body the API accepts, as docs/api.md states. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A too-large body is read and dropped up to this size, so the client sees the 413; past it the connection is cut. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;
const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT']);

/**
 * Creates the request listener: routing, authentication, body limits and JSON errors.
 * Every response waits for the journal, so no client sees state that a crash could lose.
 * A fault in a handler becomes a logged 500 and never stops the server.
 */
export function createRequestListener(routes: readonly Route[], sandbox: SandboxContext): (request: IncomingMessage, response: ServerResponse) => void {
  const keyDigest = digest(sandbox.apiKey);
  return (request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      if (error instanceof ApiError) {
        sendError(response, error);
        return;
      }
      sandbox.log.error(`${request.method} ${request.url?.split('?')[0]}: ${(error as Error).stack ?? String(error)}`);
      sendError(response, new ApiError(500, 'internal', 'the sandbox failed to handle the request; its log has the details'));
    });
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = request.method ?? 'GET';
    const found = findRoute(routes, url.pathname);
    if (found === undefined) throw404(url.pathname);
    const { route, params } = found;

    const handler = route.methods[method as keyof Route['methods']];
    if (handler === undefined) {
      const allowed = Object.keys(route.methods).join(', ');
      response.setHeader('Allow', allowed);
      throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}; allowed: ${allowed}`);
    }
    if (route.auth !== false) authenticate(request.headers.authorization, keyDigest);

    const body = BODY_METHODS.has(method) ? parseJson(await readBody(request)) : undefined;
    const reply = await handler({ sandbox, params, query: url.searchParams, body });
    await sandbox.store.flush();
    sendJson(response, reply);
  }

  function throw404(path: string): never {
    throw new ApiError(404, 'not_found', `no route ${path}; the API lives under /v1, see docs/api.md`);
  }
}

/** Writes an ApiError as the JSON error body of docs/api.md. */
export function sendError(response: ServerResponse, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.field !== undefined) body.field = error.field;
  sendJson(response, { status: error.status, body: { error: body } });
}

function sendJson(response: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function findRoute(routes: readonly Route[], path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    try {
      return { route, params: match.slice(1).map((part) => decodeURIComponent(part)) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function authenticate(header: string | undefined, keyDigest: Buffer): void {
  const key = bearerToken(header);
  if (key === undefined) throw new ApiError(401, 'unauthorized', 'missing API key: send Authorization: Bearer 7loc_sc_…');
  if (!key.startsWith('7loc_sc_')) throw new ApiError(401, 'unauthorized', 'malformed API key: sandbox keys start with 7loc_sc_');
  if (!timingSafeEqual(digest(key), keyDigest)) throw new ApiError(401, 'unauthorized', 'unknown API key: use the key the sandbox printed at start');
}

// Error handling in handle() turns these rejections into JSON error responses.
function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_DISCARD_BYTES) {
      request.socket.destroy();
      reject(new ApiError(413, 'payload_too_large', `the body is over the ${MAX_BODY_BYTES}-byte limit`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DISCARD_BYTES) request.socket.destroy();
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, 'payload_too_large', `the body is ${size} bytes, over the ${MAX_BODY_BYTES}-byte limit`));
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new ApiError(400, 'invalid_request', 'the request body ended early'));
    });
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  // JSON.stringify and the handlers recurse, so a payload nested some thousands of levels deep overflows the stack.
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    throw new ApiError(400, 'invalid_request', `the body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, 'invalid_request', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The deepest nesting of objects and arrays a request body may have, as docs/api.md states. */
const MAX_JSON_DEPTH = 64;

/** Scans JSON text for brackets outside strings; true as soon as the nesting passes `limit`. */
function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth++;
      if (depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return false;
}
