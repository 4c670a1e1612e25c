/**
 * When the API client tries a call again. Only idempotent calls are retried, because a
 * POST that failed with a 5xx or a dropped connection may already have taken effect.
 */

/** Tries per call, the first one included. */
export const MAX_ATTEMPTS = 3;

/** Delay before the second and third try after a 5xx or network error, before jitter. */
export const RETRY_DELAYS_MS = [500, 1_500] as const;

/** The longest `Retry-After` the client waits for; a longer one fails the call at once. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Status codes worth another try: rate limiting and server-side faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** True for methods that HTTP defines as idempotent; POST needs an explicit opt-in. */
export function isIdempotentMethod(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(method.toUpperCase());
}

/**
 * Parses a `Retry-After` header (delay in seconds or an HTTP date) into milliseconds.
 * Returns undefined when the header is missing or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;

  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text.trim()) * 1000);

  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** Computes the delay before try number `nextAttempt` (2 or more), with ±20% jitter. */
export function backoffDelayMs(nextAttempt: number, delaysMs: readonly number[] = RETRY_DELAYS_MS, random = Math.random): number {
  const index = Math.min(Math.max(nextAttempt - 2, 0), delaysMs.length - 1);
  const base = delaysMs[index] ?? 0;
  return Math.round(base * (0.8 + 0.4 * random()));
}
