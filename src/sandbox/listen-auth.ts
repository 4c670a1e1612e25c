import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ListenSessionRecord } from './model.js';

/** How long a listen token opens connections: 10 minutes of wall-clock time, whatever the time scale. */
export const LISTEN_TOKEN_TTL_MS = 10 * 60_000;

/**
 * Derives a listen session's signing secret from the sandbox's master key, the account and
 * the device, so every session of one machine signs with the same secret.
 */
export function deriveListenSecret(masterKey: string, accountId: string, deviceId: string): string {
  const digest = createHmac('sha256', Buffer.from(masterKey, 'utf8')).update(`listen-secret\n${accountId}\n${deviceId}`).digest();
  return `whsec_${digest.subarray(0, 24).toString('base64url')}`;
}

/** Creates a listen token and the hash the sandbox stores in its place. */
export function createListenToken(nowMs: number): { token: string; hash: string; expiresAtMs: number } {
  const token = `lst_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token), expiresAtMs: nowMs + LISTEN_TOKEN_TTL_MS };
}

/** Checks a token against a session in constant time; an expired token fails. */
export function tokenOpensSession(token: string, session: ListenSessionRecord, nowMs: number): boolean {
  if (session.token_expires_at_ms <= nowMs) return false;
  const expected = Buffer.from(session.token_hash, 'hex');
  const actual = Buffer.from(hashToken(token), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Reads the bearer credential from an Authorization header; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
