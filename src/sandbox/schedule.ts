/**
 * The retry schedule of docs/api.md, kept as data. Every delay and the deadline are in
 * seconds of platform time; the sandbox's `--time-scale N` divides them by N.
 */

/** Delay before the next attempt, indexed by the number of the failed attempt minus one; later attempts reuse the last entry. */
export const RETRY_DELAYS_SECONDS: readonly number[] = [10, 60, 300, 1_800, 3_600, 7_200, 14_400];

/** Each delay is multiplied by a random factor in [1 - RETRY_JITTER, 1 + RETRY_JITTER]. */
export const RETRY_JITTER = 0.2;

/** A delivery is given up (status `failed`) when its next attempt would fall after this time from its creation. */
export const RETRY_DEADLINE_SECONDS = 86_400;

/** Statuses whose `Retry-After` header the schedule honours. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

export interface RetryDecision {
  /** When to try again, in ms since the epoch, or null to give up. */
  nextAttemptAtMs: number | null;
  /** The delay that was applied, in ms, before the deadline check. */
  delayMs: number;
}

export interface RetryInput {
  /** Number of the attempt that just failed, 1 for the first. */
  attempt: number;
  nowMs: number;
  deadlineAtMs: number;
  timeScale: number;
  statusCode?: number | null;
  retryAfterHeader?: string | string[] | undefined;
  random?: () => number;
}

/** Decides when a failed delivery is tried again, or that it is given up. */
export function decideRetry(input: RetryInput): RetryDecision {
  const random = input.random ?? Math.random;
  const index = Math.min(Math.max(input.attempt, 1), RETRY_DELAYS_SECONDS.length) - 1;
  const jitter = 1 + (random() * 2 - 1) * RETRY_JITTER;
  let delayMs = (RETRY_DELAYS_SECONDS[index]! * 1000 * jitter) / input.timeScale;

  if (input.statusCode != null && RETRY_AFTER_STATUSES.has(input.statusCode)) {
    const retryAfterMs = parseRetryAfterMs(input.retryAfterHeader, input.nowMs);
    // Retry-After may only lengthen the wait, and it runs on the same scaled clock.
    if (retryAfterMs !== undefined) delayMs = Math.max(delayMs, retryAfterMs / input.timeScale);
  }

  const nextAttemptAtMs = input.nowMs + delayMs;
  return { nextAttemptAtMs: nextAttemptAtMs > input.deadlineAtMs ? null : nextAttemptAtMs, delayMs };
}

/** The deadline of a delivery created at `createdAtMs`, on the scaled clock. */
export function deliveryDeadlineMs(createdAtMs: number, timeScale: number): number {
  return createdAtMs + (RETRY_DEADLINE_SECONDS * 1000) / timeScale;
}

/**
 * Parses a `Retry-After` value, delay-seconds or an HTTP date (RFC 9110, section 10.2.3),
 * into ms from `nowMs`. Returns undefined for a missing or unreadable value.
 */
export function parseRetryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}
