import { out, err } from '../output/color.js';
import { formatDeliveryLine } from '../output/delivery-line.js';
import { maskSecret } from '../output/mask.js';
import { DEFAULT_TOLERANCE_SECONDS, type VerifyResult } from '../signing/index.js';
import { formatDelay, platformRetryDelayMs } from './backoff.js';
import { DELIVERY_TIMEOUT_MS, type ForwardResult } from './forwarder.js';
import type { ListenSessionInfo, TunnelEvent } from './session.js';
import type { Route } from './target.js';
import { LineWriter } from './writer.js';

/** `text` prints delivery lines for people; `json` prints one JSON object per line. */
export type OutputFormat = 'text' | 'json';

/** A response slower than this is flagged, because it is close to the platform's 10 s limit. */
export const SLOW_ANSWER_MS = 8_000;

export interface ReporterOptions {
  format: OutputFormat;
  quiet: boolean;
  /** Writes status lines to stderr; injectable for tests. */
  status?: (line: string) => void;
  writer?: LineWriter;
  /** Shows the time from event creation to receipt; off for replays, where it means nothing. */
  showTransit?: boolean;
}

/** The content of the ready line. */
export interface ReadyInfo {
  session: ListenSessionInfo;
  forward: URL;
  routes: readonly Route[];
}

/**
 * Prints what listen, dev and replay do: delivery lines or NDJSON on stdout, connection
 * state and hints on stderr. In JSON mode nothing but JSON objects reaches stdout.
 */
export class Reporter {
  private readonly writer: LineWriter;
  private readonly status: (line: string) => void;
  /** Statuses already explained by the 4xx hint, so a failing app does not repeat it on every delivery. */
  private readonly hintedStatuses = new Set<number>();

  constructor(private readonly options: ReporterOptions) {
    this.writer = options.writer ?? new LineWriter();
    this.status = options.status ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Prints the ready line: the secret in full in JSON (a program needs it), masked in text. */
  ready(info: ReadyInfo): void {
    const { session, forward, routes } = info;
    if (this.options.format === 'json') {
      this.writer.write(JSON.stringify({
        type: 'ready',
        session_id: session.id,
        secret: session.secret,
        forward: forward.href,
        routes: routes.map((route) => ({ event: route.eventType, url: route.url.href })),
        events: session.events,
      }));
      return;
    }
    if (this.options.quiet) return;
    const color = err();
    const routeText = routes.map((route) => `, ${route.eventType} to ${route.url.href}`).join('');
    const events = session.events.includes('*') || session.events.length === 0 ? 'every event' : session.events.join(', ');
    this.status(`${color.green('Ready.')} Forwarding ${events} to ${forward.href}${routeText}`);
    this.status(`  signing secret ${maskSecret(session.secret)} (session ${session.id}; --print-secret prints it in full)`);
    this.status(color.dim('  Press Ctrl-C to stop.'));
  }

  /** Prints one forwarded delivery, plus a hint line when the response points at a verification bug. */
  delivery(result: ForwardResult): void {
    const { delivery, send, outcome, signature } = result;
    const transitMs = this.options.showTransit === false ? undefined : Math.max(0, result.receivedAtMs - delivery.created_at_ms);
    const flag = flagFor(result);
    const hint = this.hintFor(result);

    if (this.options.format === 'json') {
      this.writer.write(JSON.stringify({
        type: 'delivery',
        time: new Date(result.receivedAtMs).toISOString(),
        delivery_id: delivery.delivery_id,
        event_id: delivery.event_id,
        event_type: delivery.event_type,
        attempt: delivery.attempt,
        replay: delivery.replay,
        url: result.url.href,
        status_code: send.statusCode,
        duration_ms: send.durationMs,
        ok: result.ok,
        error: outcome.error,
        signature: signature ? signatureJson(signature) : null,
        ...(transitMs === undefined ? {} : { transit_ms: transitMs }),
        ...(flag ? { note: flag } : {}),
        ...(hint ? { hint } : {}),
      }));
      return;
    }

    this.writer.write(formatDeliveryLine({
      time: new Date(result.receivedAtMs),
      eventType: delivery.event_type,
      eventId: delivery.event_id,
      method: 'POST',
      url: result.url.href,
      statusCode: send.statusCode,
      durationMs: send.durationMs,
      error: outcome.error ?? undefined,
      signature: signature ? { ok: signature.ok, text: signatureText(signature) } : undefined,
      transitMs,
      attempt: delivery.attempt,
      flag,
    }, out()));
    if (hint) {
      this.writer.flush();
      this.status(`${err().dim('hint:')} ${hint}`);
    }
  }

  /** Prints a connection state change on stderr. */
  state(event: TunnelEvent): void {
    if (this.options.quiet && event.type !== 'reconnecting') return;
    const color = err();
    switch (event.type) {
      case 'connecting':
        this.status(color.dim(`Connecting to ${event.url} …`));
        return;
      case 'ready':
        if (event.resumed) this.status(`${color.green('Resumed')} session ${event.sessionId}: ${event.replayCount} ${event.replayCount === 1 ? 'delivery' : 'deliveries'} replayed`);
        return;
      case 'reconnecting':
        this.status(`${color.yellow('Reconnecting')} in ${formatDelay(event.delayMs)} (attempt ${event.attempt}): ${event.reason}`);
        return;
      case 'token_refreshed':
        this.status(color.dim('Fetched a fresh listen token'));
        return;
      case 'new_session':
        this.status(`${color.yellow('The relay no longer knows session')} ${event.previousSessionId}: opened ${event.sessionId} with the same secret; deliveries still queued for the old session are not forwarded`);
        return;
      case 'ignored_message':
        return;
    }
  }

  /** Prints a plain status line on stderr, unless `--quiet`. */
  note(line: string): void {
    if (!this.options.quiet) this.status(line);
  }

  /** Writes a JSON object on stdout in JSON mode; in text mode, nothing. */
  json(value: Record<string, unknown>): void {
    if (this.options.format === 'json') this.writer.write(JSON.stringify(value));
  }

  flush(): void {
    this.writer.flush();
  }

  private hintFor(result: ForwardResult): string | undefined {
    const status = result.send.statusCode;
    if (status === null || status < 400 || status >= 500 || !result.signature?.ok) return undefined;
    if (this.hintedStatuses.has(status)) return undefined;
    this.hintedStatuses.add(status);
    return `the signature was valid, yet the app answered ${status}. Check that it verifies the raw body bytes before parsing JSON, ` +
      `that it uses the session secret (stamp7 dev --print-secret or stamp7 listen --print-secret prints it), and that its clock is within ${DEFAULT_TOLERANCE_SECONDS} s of the real time.`;
  }
}

/** Flags a slow response, and names the time the platform retries a failed attempt. */
function flagFor(result: ForwardResult): string | undefined {
  const durationMs = result.send.durationMs;
  const retry = `the platform retries in ${formatDelay(platformRetryDelayMs(result.delivery.attempt))}`;
  if (durationMs > DELIVERY_TIMEOUT_MS) return `over the ${DELIVERY_TIMEOUT_MS / 1000} s limit: a failed attempt, ${retry}`;
  if (!result.ok) return retry;
  if (durationMs > SLOW_ANSWER_MS) return `slow: ${(durationMs / 1000).toFixed(1)} s of the ${DELIVERY_TIMEOUT_MS / 1000} s limit`;
  return undefined;
}

function signatureText(result: VerifyResult): string {
  if (result.ok) return 'valid';
  switch (result.reason) {
    case 'missing_header':
      return 'missing';
    case 'malformed_header':
    case 'no_v1_signature':
      return 'malformed';
    case 'timestamp_too_old':
      return `too old (${result.ageSeconds} s)`;
    case 'timestamp_in_future':
      return `in the future (${-(result.ageSeconds ?? 0)} s)`;
    case 'no_matching_signature':
      return 'no match';
  }
}

function signatureJson(result: VerifyResult): { valid: boolean; reason: string | null } {
  return result.ok ? { valid: true, reason: null } : { valid: false, reason: result.reason };
}
