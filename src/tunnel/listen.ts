import type { DeliveryMessage } from '../protocol/index.js';
import { connectRelay, type ConnectFunction } from './connection.js';
import { DeliveryDedupe } from './dedupe.js';
import { Forwarder, type ForwardResult } from './forwarder.js';
import { OrderedQueue } from './queue.js';
import type { Recorder } from './recording.js';
import type { Reporter } from './report.js';
import { Tunnel, type ListenSessionInfo, type SessionApi, type TunnelEnd } from './session.js';
import type { Route } from './target.js';

/** Above this many bytes waiting in the socket, no new delivery starts until the buffer drains. */
const SOCKET_HIGH_WATER_BYTES = 1024 * 1024;
const BUFFER_RECHECK_MS = 10;
const SIGNAL_REPEAT_MS = 500;

/**
 * Reading from the relay pauses while this many deliveries wait to be forwarded, and goes
 * on once half of them are done or PAUSE_MAX_MS has passed. The relay sends up to 1,000
 * deliveries ahead, and holding them all here would cost memory for nothing. The time
 * limit lets the relay's pings through, because the relay drops a client silent for 30 s.
 */
const QUEUE_HIGH_WATER = 128;
const PAUSE_MAX_MS = 5_000;

export interface ListenOptions {
  api: SessionApi;
  connect?: ConnectFunction;
  reporter: Reporter;
  forward: URL;
  routes: readonly Route[];
  headers: ReadonlyArray<readonly [string, string]>;
  timeoutMs: number;
  concurrency: number;
  recorder?: Recorder | undefined;
  /** Print only the secret and stop. */
  printSecret?: boolean;
  /** Stop once this many delivery attempts were forwarded. */
  exitAfter?: number | undefined;
  /** Stop once a delivery of this event type was forwarded. */
  waitFor?: string | undefined;
  /** Stop after this long, in ms. */
  maxDurationMs?: number | undefined;
  /** Called once the session is ready, after the ready line; `dev` prints its hint here. */
  onReady?: (session: ListenSessionInfo) => void;
  /** Installs the Ctrl-C handlers; tests turn it off. */
  handleSignals?: boolean;
}

/** Counts of forwarded delivery attempts. */
export interface ListenStats {
  forwarded: number;
  succeeded: number;
  failed: number;
}

export type StopReason = 'interrupted' | 'exit_after' | 'wait_for' | 'max_duration' | 'relay_closed' | 'replaced';

/** The result of a listen run. */
export interface ListenSummary {
  stats: ListenStats;
  reason: StopReason | 'print_secret';
  session: ListenSessionInfo;
  /** Set when the relay ended the run. */
  message?: string;
  /** 0 when the app returned 2xx for every forwarded attempt and the stop condition was met, 1 otherwise, 130 after Ctrl-C. */
  exitCode: number;
}

/**
 * Runs a listen session until a stop condition: forwards every delivery once per attempt
 * (a replayed duplicate gets the recorded outcome instead), reports each
 * outcome to the relay, prints it, and records it. Shutdown is one idempotent path that
 * stops taking deliveries, lets the in-flight ones finish and report, closes the socket
 * with 1000, and removes the signal handlers it added.
 */
export async function runListen(options: ListenOptions): Promise<ListenSummary> {
  const { reporter } = options;
  const stats: ListenStats = { forwarded: 0, succeeded: 0, failed: 0 };
  const dedupe = new DeliveryDedupe();
  let stopRequested: ((reason: StopReason) => void) | undefined;
  const stopSignal = new Promise<StopReason>((resolve) => {
    stopRequested = resolve;
  });
  let accepting = true;

  let forwarder: Forwarder | undefined;
  let recheckScheduled = false;
  const queue: OrderedQueue<{ delivery: DeliveryMessage; receivedAtMs: number }> = new OrderedQueue(
    options.concurrency,
    async ({ delivery, receivedAtMs }) => {
      const result = await forwarder!.forward(delivery, receivedAtMs);
      handleResult(result);
    },
    () => {
      // Deliveries can arrive right behind the ready frame, before the forwarder exists.
      if (forwarder === undefined) return false;
      if (tunnel.bufferedAmount < SOCKET_HIGH_WATER_BYTES) return true;
      if (!recheckScheduled) {
        recheckScheduled = true;
        setTimeout(() => {
          recheckScheduled = false;
          queue.pump();
        }, BUFFER_RECHECK_MS);
      }
      return false;
    },
  );

  const tunnel = new Tunnel({
    api: options.api,
    connect: options.connect ?? connectRelay,
    onEvent: (event) => reporter.state(event),
    onDelivery: (delivery, receivedAtMs) => {
      // While shutting down, new deliveries stay unanswered; they end with the session.
      if (!accepting) return;
      const claim = dedupe.claim(delivery.delivery_id, delivery.attempt);
      if (claim.state === 'done') tunnel.send(claim.outcome);
      if (claim.state === 'new') {
        queue.push({ delivery, receivedAtMs });
        if (queue.size >= QUEUE_HIGH_WATER) pauseReading();
      }
    },
  });

  let pauseTimer: NodeJS.Timeout | undefined;
  function pauseReading(): void {
    if (pauseTimer) return;
    tunnel.pauseReading();
    pauseTimer = setTimeout(resumeReading, PAUSE_MAX_MS);
  }
  function resumeReading(): void {
    if (!pauseTimer) return;
    clearTimeout(pauseTimer);
    pauseTimer = undefined;
    tunnel.resumeReading();
  }

  function handleResult(result: ForwardResult): void {
    if (queue.size <= QUEUE_HIGH_WATER / 2) resumeReading();
    dedupe.finish(result.delivery.delivery_id, result.delivery.attempt, result.outcome);
    tunnel.send(result.outcome);
    options.recorder?.write(result);
    stats.forwarded += 1;
    if (result.ok) stats.succeeded += 1;
    else stats.failed += 1;
    reporter.delivery(result);
    if (options.exitAfter !== undefined && stats.forwarded >= options.exitAfter) stopRequested?.('exit_after');
    if (options.waitFor !== undefined && result.delivery.event_type === options.waitFor) stopRequested?.('wait_for');
  }

  const session = await tunnel.start();
  if (options.printSecret) {
    await tunnel.stop();
    return { stats, reason: 'print_secret', session, exitCode: 0 };
  }

  forwarder = new Forwarder({
    forward: options.forward,
    routes: options.routes,
    headers: options.headers,
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency,
    secret: session.secret,
  });
  reporter.ready({ session, forward: options.forward, routes: options.routes });
  options.onReady?.(session);
  queue.pump();

  // Signals: the first Ctrl-C stops gracefully, a second one exits at once. A repeat within
  // SIGNAL_REPEAT_MS counts as the same request, because a library that caught the first
  // signal may raise it again (when-exit, which conf loads through atomically, does).
  let firstSignalAtMs: number | undefined;
  const onSignal = (): void => {
    const nowMs = Date.now();
    if (firstSignalAtMs !== undefined) {
      if (nowMs - firstSignalAtMs < SIGNAL_REPEAT_MS) return;
      reporter.flush();
      process.exit(130);
    }
    firstSignalAtMs = nowMs;
    reporter.note('Stopping: finishing the deliveries in flight (Ctrl-C again to quit at once) …');
    stopRequested?.('interrupted');
  };
  if (options.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const maxTimer = options.maxDurationMs === undefined ? undefined : setTimeout(() => stopRequested?.('max_duration'), options.maxDurationMs);

  const ended = await Promise.race([stopSignal.then((reason) => ({ reason }) as const), tunnel.ended.then((end: TunnelEnd) => end)]);

  // One shutdown path: stop taking work, finish what is in flight, then close.
  accepting = false;
  if (maxTimer) clearTimeout(maxTimer);
  resumeReading();
  const dropped = queue.clear();
  await queue.onIdle();
  await tunnel.stop();
  forwarder.close();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  if (dropped > 0) reporter.note(`${dropped} queued ${dropped === 1 ? 'delivery was' : 'deliveries were'} not forwarded before the session closed`);

  const reason = ended.reason === 'stopped' ? 'interrupted' : ended.reason;
  const message = 'message' in ended ? ended.message : undefined;
  return { stats, reason, session, ...(message ? { message } : {}), exitCode: exitCodeFor(reason, stats, options) };
}

/** Returns the documented exit code of a listen run. */
export function exitCodeFor(reason: StopReason, stats: ListenStats, options: Pick<ListenOptions, 'exitAfter' | 'waitFor'>): number {
  if (reason === 'interrupted') return 130;
  if (stats.failed > 0) return 1;
  if (reason === 'relay_closed' || reason === 'replaced') return 1;
  // A CI run that hit --max-duration before its condition did not see what it waited for.
  if (reason === 'max_duration' && (options.exitAfter !== undefined || options.waitFor !== undefined)) return 1;
  return 0;
}
