import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createAgent, describeSendError, DELIVERY_TIMEOUT_MS, isSuccess, sendRequest, type SendResult } from '../delivery/send.js';
import { RESPONSE_SNIPPET_BYTES, type DeliveryMessage, type OutcomeMessage } from '../protocol/index.js';
import { verifySignature, type VerifyResult } from '../signing/index.js';
import { buildForwardHeaders } from './headers.js';
import { routeFor, type Route } from './target.js';

/** The forwarding settings: target URLs, extra headers, timeout, concurrency and secret. */
export interface ForwardSettings {
  forward: URL;
  routes: readonly Route[];
  /** The `--header` flags, added after the delivery's own headers. */
  headers: ReadonlyArray<readonly [string, string]>;
  timeoutMs: number;
  /** Keep-alive sockets per local origin. */
  concurrency: number;
  /** The session's signing secret, to check each delivery's signature; undefined skips the check. */
  secret: string | undefined;
}

/** The result of one forwarded delivery. */
export interface ForwardResult {
  delivery: DeliveryMessage;
  url: URL;
  receivedAtMs: number;
  send: SendResult;
  /** The CLI's own verdict on the signature, before forwarding. */
  signature: VerifyResult | undefined;
  /** The outcome sent back to the relay. A 2xx slower than the platform's 10 s is reported as a timeout. */
  outcome: OutcomeMessage;
  /** True for a 2xx response within the platform's 10 s. */
  ok: boolean;
}

/** Forwards deliveries to local URLs, reusing one keep-alive agent per origin. */
export class Forwarder {
  private readonly agents = new Map<string, HttpAgent | HttpsAgent>();

  constructor(private readonly settings: ForwardSettings) {}

  /** Sends one delivery's exact body bytes and headers to its local URL and measures the response. */
  async forward(delivery: DeliveryMessage, receivedAtMs: number): Promise<ForwardResult> {
    const url = routeFor(delivery.event_type, this.settings.routes, this.settings.forward);
    const body = Buffer.from(delivery.body_base64, 'base64');
    const signature = this.settings.secret === undefined
      ? undefined
      : verifySignature({ body, header: delivery.headers['x-7stamp-signature'], secret: this.settings.secret });

    const send = await sendRequest({
      url,
      headers: buildForwardHeaders(delivery.headers, this.settings.headers),
      body,
      timeoutMs: this.settings.timeoutMs,
      agent: this.agentFor(url),
    });
    const outcome = buildOutcome(delivery.delivery_id, send, url);
    return { delivery, url, receivedAtMs, send, signature, outcome, ok: outcome.error === null && isSuccess(send) };
  }

  /** Closes the idle keep-alive sockets. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(url: URL): HttpAgent | HttpsAgent {
    let agent = this.agents.get(url.origin);
    if (!agent) {
      agent = createAgent(url, this.settings.concurrency);
      this.agents.set(url.origin, agent);
    }
    return agent;
  }
}

/**
 * Builds the outcome the relay records as an attempt. A redirect is a failure with the
 * target named, and a response slower than the platform's 10 s is reported as the timeout
 * the platform would have seen, so the relay retries it as the platform would.
 */
export function buildOutcome(deliveryId: string, send: SendResult, url: URL): OutcomeMessage {
  let error: string | null = null;
  let statusCode = send.statusCode;
  if (send.error) error = describeSendError(send.error, url);
  else if (send.redirectLocation !== undefined || (statusCode !== null && statusCode >= 300 && statusCode < 400)) {
    error = `redirect to ${send.redirectLocation ?? '(no Location header)'}, not followed`;
  } else if (send.durationMs > DELIVERY_TIMEOUT_MS) {
    error = `timed out: the app answered ${statusCode} after ${(send.durationMs / 1000).toFixed(1)} s, over the platform's ${DELIVERY_TIMEOUT_MS / 1000} s limit`;
    statusCode = null;
  }
  return {
    type: 'outcome',
    delivery_id: deliveryId,
    status_code: statusCode,
    duration_ms: send.durationMs,
    error,
    response_snippet: snippet(send.responseBody),
  };
}

/** Decodes at most RESPONSE_SNIPPET_BYTES of the response as UTF-8, without going over that size. */
function snippet(body: Buffer): string {
  let text = body.subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8');
  // A multi-byte character cut at the limit decodes to U+FFFD, which may push the text past it.
  while (Buffer.byteLength(text) > RESPONSE_SNIPPET_BYTES) text = text.slice(0, -1);
  return text;
}

export { DELIVERY_TIMEOUT_MS };
