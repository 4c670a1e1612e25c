import type { OutcomeMessage } from '../protocol/index.js';

/**
 * The longest duration an outcome may report: the longest forward timeout a client can set
 * (2^31 - 1 ms). A larger one would move the attempt's start time out of the range of a Date.
 */
const MAX_DURATION_MS = 2_147_483_647;

/** Checks an `outcome` frame field by field; returns undefined when any field has the wrong type. */
export function parseOutcome(message: Record<string, unknown>): OutcomeMessage | undefined {
  const { delivery_id, status_code, duration_ms, error, response_snippet } = message;
  if (typeof delivery_id !== 'string') return undefined;
  if (status_code !== null && !(Number.isInteger(status_code) && (status_code as number) >= 100 && (status_code as number) <= 599)) return undefined;
  if (typeof duration_ms !== 'number' || !Number.isFinite(duration_ms) || duration_ms < 0 || duration_ms > MAX_DURATION_MS) return undefined;
  if (error !== undefined && error !== null && typeof error !== 'string') return undefined;
  if (response_snippet !== undefined && typeof response_snippet !== 'string') return undefined;
  return {
    type: 'outcome',
    delivery_id,
    status_code: status_code as number | null,
    duration_ms,
    error: (error as string | null | undefined) ?? null,
    response_snippet: (response_snippet as string | undefined) ?? '',
  };
}
