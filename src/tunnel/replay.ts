import type { DeliveryMessage } from '../protocol/index.js';
import { DEFAULT_TOLERANCE_SECONDS, parseSignatureHeader, signPayload } from '../signing/index.js';
import { Forwarder } from './forwarder.js';
import type { RecordedDelivery } from './recording.js';
import type { Reporter } from './report.js';

export interface ReplayOptions {
  deliveries: readonly RecordedDelivery[];
  forward: URL;
  headers: ReadonlyArray<readonly [string, string]>;
  timeoutMs: number;
  /** Re-sign each body with this secret and the current time; undefined sends the recorded signature. */
  resignSecret: string | undefined;
  reporter: Reporter;
}

export interface ReplaySummary {
  sent: number;
  succeeded: number;
  failed: number;
  /** How many recorded signatures were older than receivers accept, when not re-signed. */
  staleSignatures: number;
}

/**
 * Sends recorded deliveries again, one at a time in recorded order, with their exact body
 * bytes and headers. With a secret, each gets a fresh signature, as a platform retry would.
 */
export async function replayRecording(options: ReplayOptions): Promise<ReplaySummary> {
  const forwarder = new Forwarder({
    forward: options.forward,
    routes: [],
    headers: options.headers,
    timeoutMs: options.timeoutMs,
    concurrency: 1,
    secret: options.resignSecret,
  });
  const summary: ReplaySummary = { sent: 0, succeeded: 0, failed: 0, staleSignatures: 0 };
  const nowSeconds = Math.floor(Date.now() / 1000);

  try {
    for (const recorded of options.deliveries) {
      const headers = { ...recorded.headers };
      const body = Buffer.from(recorded.body_base64, 'base64');
      if (options.resignSecret !== undefined) {
        headers['x-7stamp-signature'] = signPayload(body, options.resignSecret);
      } else {
        const parsed = parseSignatureHeader(headers['x-7stamp-signature']);
        if (parsed.ok && nowSeconds - parsed.header.timestamp > DEFAULT_TOLERANCE_SECONDS) summary.staleSignatures += 1;
      }
      const delivery: DeliveryMessage = {
        type: 'delivery',
        delivery_id: recorded.delivery_id,
        event_id: recorded.event_id,
        event_type: recorded.event_type,
        attempt: recorded.attempt,
        replay: true,
        created_at_ms: recorded.created_at_ms,
        sent_at_ms: Date.now(),
        headers,
        body_base64: recorded.body_base64,
      };
      const result = await forwarder.forward(delivery, Date.now());
      summary.sent += 1;
      if (result.ok) summary.succeeded += 1;
      else summary.failed += 1;
      options.reporter.delivery(result);
    }
  } finally {
    forwarder.close();
  }
  return summary;
}
