import { KeepAliveConnection } from '../delivery/connection.js';
import { describeSendError, type SendResult } from '../delivery/send.js';
import type { StatusExpectation } from './expect.js';
import type { PreparedDelivery } from './payload.js';
import { TriggerStats, type TriggerSummary } from './stats.js';

/** The deliveries of a trigger run and the load to send them with. */
export interface RunPlan {
  url: URL;
  count: number;
  concurrency: number;
  timeoutMs: number;
  expectation: StatusExpectation;
  /** A delivery slower than this fails the run; undefined turns the check off. */
  maxLatencyMs: number | undefined;
  /** Called once per delivery, just before it is sent, so each gets fresh ids and a fresh signature. */
  prepare(index: number): PreparedDelivery;
}

/** The outcome of one delivery, as the output layer prints it. */
export interface DeliveryResult {
  index: number;
  delivery: PreparedDelivery;
  startedAt: Date;
  send: SendResult;
  /** Plain words for a failure with no HTTP response, or for a redirect; undefined otherwise. */
  errorText: string | undefined;
  /** True when the status meets the expectation (2xx by default). */
  expected: boolean;
  /** True when the delivery took longer than `maxLatencyMs`. */
  tooSlow: boolean;
}

export interface RunResult {
  summary: TriggerSummary;
  /** Deliveries slower than `maxLatencyMs`. */
  tooSlow: number;
  /** True when the run stopped early because `stop()` was called. */
  stopped: boolean;
}

export interface RunHandle {
  done: Promise<RunResult>;
  /** Sends no further deliveries; the ones in flight finish and count. Safe to call twice. */
  stop(): void;
  /** Deliveries finished so far. */
  progress(): { sent: number; unexpected: number; elapsedMs: number };
}

/**
 * Sends `count` deliveries over at most `concurrency` keep-alive connections, one worker per
 * connection, each preparing and sending one delivery at a time. `onResult` runs once per
 * delivery, in the order they finish.
 */
export function runDeliveries(plan: RunPlan, onResult: (result: DeliveryResult) => void): RunHandle {
  const concurrency = Math.max(1, Math.min(plan.concurrency, plan.count));
  const connections: KeepAliveConnection[] = [];
  const stats = new TriggerStats(plan.count);
  const started = performance.now();
  let next = 0;
  let stopped = false;
  let tooSlow = 0;

  const worker = async (): Promise<void> => {
    const connection = new KeepAliveConnection(plan.url);
    connections.push(connection);
    while (!stopped && next < plan.count) {
      const index = next;
      next += 1;
      const delivery = plan.prepare(index);
      const startedAt = new Date();
      const send = await connection.send(delivery.headers, delivery.body, plan.timeoutMs);
      const result = classify(plan, index, delivery, startedAt, send);
      if (result.tooSlow) tooSlow += 1;
      stats.add({ statusCode: send.statusCode, durationMs: send.durationMs, errorCode: send.error?.code ?? null, expected: result.expected });
      onResult(result);
    }
  };

  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(
    () => finish(),
    (error: unknown) => {
      finish();
      throw error;
    },
  );

  function finish(): RunResult {
    for (const connection of connections) connection.close();
    return { summary: stats.summarize(performance.now() - started), tooSlow, stopped: stopped && stats.sent < plan.count };
  }

  return {
    done,
    stop: () => {
      stopped = true;
    },
    progress: () => ({ sent: stats.sent, unexpected: stats.unexpected, elapsedMs: performance.now() - started }),
  };
}

function classify(plan: RunPlan, index: number, delivery: PreparedDelivery, startedAt: Date, send: SendResult): DeliveryResult {
  let errorText: string | undefined;
  if (send.error) errorText = describeSendError(send.error, plan.url);
  else if (send.statusCode !== null && send.statusCode >= 300 && send.statusCode < 400) {
    errorText = `redirect to ${send.redirectLocation ?? '(no Location header)'}, not followed`;
  }
  const tooSlow = plan.maxLatencyMs !== undefined && send.durationMs > plan.maxLatencyMs;
  return { index, delivery, startedAt, send, errorText, expected: plan.expectation.matches(send.statusCode), tooSlow };
}
