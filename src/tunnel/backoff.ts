/**
 * Waits between reconnect attempts, in ms, before jitter: short at first so a brief Wi-Fi
 * drop costs little, then capped so a long outage retries every 15 s or so.
 */
export const RECONNECT_DELAYS_MS = [250, 1_000, 2_000, 5_000, 10_000, 15_000] as const;

/** Each delay is moved by up to this share either way, so many clients do not reconnect in step. */
export const RECONNECT_JITTER = 0.25;

/** Returns the delay before reconnect attempt `attempt` (1 for the first), with jitter. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(attempt, 1), RECONNECT_DELAYS_MS.length) - 1;
  const base = RECONNECT_DELAYS_MS[index]!;
  const factor = 1 + RECONNECT_JITTER * (random() * 2 - 1);
  return Math.round(base * factor);
}

/**
 * The platform's retry schedule (docs/api.md): the wait after a failed attempt, indexed by
 * that attempt's number minus one; attempt 8 and later wait 4 h. The relay adds ±20% jitter.
 */
export const PLATFORM_RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000] as const;

/** Returns when the platform retries after failed attempt number `attempt`, before jitter. */
export function platformRetryDelayMs(attempt: number): number {
  const index = Math.min(Math.max(attempt, 1), PLATFORM_RETRY_DELAYS_MS.length) - 1;
  return PLATFORM_RETRY_DELAYS_MS[index]!;
}

/** Formats a delay in ms as `10 s`, `5 min` or `4 h`. */
export function formatDelay(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
