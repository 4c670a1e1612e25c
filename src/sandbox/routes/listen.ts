import { prefixedId } from '../../events/ids.js';
import { ok, type RequestContext, type Route, type SandboxContext } from '../context.js';
import { createListenToken, deriveListenSecret } from '../listen-auth.js';
import type { ListenSessionRecord } from '../model.js';
import { ApiError, checkQuery, eventTypeList, invalid, notFound, objectBody, optionalString } from '../validate.js';

/** The device of sessions opened without a `device_id`; they share one secret per account. */
const DEFAULT_DEVICE_ID = 'default';
const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Derives the signing secret of a listen session from its account and device. */
export function sessionSecret(sandbox: SandboxContext, session: ListenSessionRecord): string {
  return deriveListenSecret(sandbox.masterKey, sandbox.accountId, session.device_id);
}

function wsUrl(sandbox: SandboxContext, sessionId: string): string {
  return `${sandbox.baseUrl.replace(/^http/, 'ws')}/v1/listen_sessions/${encodeURIComponent(sessionId)}/ws`;
}

function findSession(request: RequestContext): ListenSessionRecord {
  const id = request.params[0]!;
  const session = request.sandbox.store.sessions.get(id);
  if (session === undefined) throw notFound('listen session', id);
  return session;
}

function open(request: RequestContext) {
  checkQuery(request.query, []);
  const body = objectBody(request.body, ['events', 'device_id']);
  const events = body.events === undefined ? ['*'] : eventTypeList(body.events, 'events', { allowPing: true });
  const deviceId = optionalString(body, 'device_id', 128) ?? DEFAULT_DEVICE_ID;
  if (!DEVICE_ID_PATTERN.test(deviceId)) throw invalid('device_id', '"device_id" may contain only letters, digits and _ . : -');

  const { sandbox } = request;
  const nowMs = Date.now();
  const token = createListenToken(nowMs);
  const session = sandbox.store.putSession({
    id: prefixedId('ls'),
    events,
    device_id: deviceId,
    token_hash: token.hash,
    token_expires_at_ms: token.expiresAtMs,
    created_at_ms: nowMs,
    last_seen_at_ms: 0,
  });
  sandbox.log.info(`listen session ${session.id} opened for ${events.join(', ')}`);
  return ok(
    {
      id: session.id,
      ws_url: wsUrl(sandbox, session.id),
      token: token.token,
      token_expires_at: new Date(token.expiresAtMs).toISOString(),
      secret: sessionSecret(sandbox, session),
      events: session.events,
    },
    201,
  );
}

function refreshToken(request: RequestContext) {
  checkQuery(request.query, []);
  objectBody(request.body, []);
  const session = findSession(request);
  const token = createListenToken(Date.now());
  request.sandbox.store.putSession({ ...session, token_hash: token.hash, token_expires_at_ms: token.expiresAtMs });
  return ok({ id: session.id, token: token.token, token_expires_at: new Date(token.expiresAtMs).toISOString() });
}

function close(request: RequestContext) {
  checkQuery(request.query, []);
  const session = findSession(request);
  request.sandbox.store.deleteSession(session.id);
  request.sandbox.relay.closeSession(session.id);
  request.sandbox.log.info(`listen session ${session.id} closed`);
  return ok({ id: session.id, deleted: true });
}

function upgradeOnly(): never {
  throw new ApiError(426, 'upgrade_required', 'this path takes a WebSocket upgrade with Authorization: Bearer <listen token>');
}

function dropConnections(request: RequestContext) {
  checkQuery(request.query, []);
  objectBody(request.body, []);
  return ok({ dropped: request.sandbox.relay.dropConnections() });
}

/** Expires every listen token, so a test can watch a client fetch a new one on reconnect. */
function expireTokens(request: RequestContext) {
  checkQuery(request.query, []);
  objectBody(request.body, []);
  const sessions = [...request.sandbox.store.sessions.values()];
  for (const session of sessions) request.sandbox.store.putSession({ ...session, token_expires_at_ms: 0 });
  return ok({ expired: sessions.length });
}

export const listenRoutes: Route[] = [
  { pattern: /^\/v1\/listen_sessions$/, methods: { POST: open } },
  { pattern: /^\/v1\/listen_sessions\/([^/]+)$/, methods: { DELETE: close } },
  { pattern: /^\/v1\/listen_sessions\/([^/]+)\/token$/, methods: { POST: refreshToken } },
  { pattern: /^\/v1\/listen_sessions\/([^/]+)\/ws$/, methods: { GET: upgradeOnly } },
];

/** Routes that exist only with `--test-hooks`. */
export const testHookRoutes: Route[] = [
  { pattern: /^\/v1\/_test\/drop_listen_connections$/, methods: { POST: dropConnections } },
  { pattern: /^\/v1\/_test\/expire_listen_tokens$/, methods: { POST: expireTokens } },
];
