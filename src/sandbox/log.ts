import { err } from '../output/color.js';
import { formatDeliveryLine } from '../output/delivery-line.js';
import type { AttemptRecord, DeliveryRecord } from './model.js';

/** The sandbox's log: one line per attempt, plus start, stop and error lines. */
export interface SandboxLog {
  info(message: string): void;
  error(message: string): void;
  attempt(delivery: DeliveryRecord, attempt: AttemptRecord, retryInMs: number | null): void;
}

/** The kind of a log line, so a caller can filter: `--quiet` keeps only errors. */
export type LogLevel = 'info' | 'error' | 'attempt';

/**
 * Creates the log that writes through `write`. Lines carry ids and masked secrets only;
 * callers never pass a full key or secret in a message.
 */
export function createLog(write: (line: string, level: LogLevel) => void, options: { attempts: boolean } = { attempts: true }): SandboxLog {
  return {
    info: (message) => write(message, 'info'),
    error: (message) => write(`${err().red('error:')} ${message}`, 'error'),
    attempt(delivery, attempt, retryInMs) {
      if (!options.attempts) return;
      let flag: string | undefined;
      if (delivery.status === 'pending' && retryInMs !== null) flag = `retry in ${formatDelay(retryInMs)}`;
      else if (delivery.status === 'failed') flag = 'gave up: past the 24 h retry deadline';
      write(
        formatDeliveryLine(
          {
            time: new Date(attempt.started_at_ms),
            eventType: delivery.event_type,
            eventId: delivery.event_id,
            method: 'POST',
            url: delivery.url,
            statusCode: attempt.status_code,
            durationMs: attempt.duration_ms,
            error: attempt.error ?? undefined,
            attempt: attempt.number,
            flag,
          },
          err(),
        ),
        'attempt',
      );
    },
  };
}

function formatDelay(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
