import type { Agent } from 'node:http';
import { createAgent, describeSendError, sendRequest, type SendResult } from '../delivery/send.js';
import { attemptId, deliveryHeaders, signingSecrets } from './deliveries.js';
import type { SandboxLog } from './log.js';
import type { AttemptRecord, DeliveryRecord } from './model.js';
import { DueHeap, Fifo } from './queues.js';
import { decideRetry } from './schedule.js';
import type { Store } from './store.js';

/** Attempts in flight at once across all endpoints. */
export const DEFAULT_MAX_CONCURRENCY = 64;
/** Attempts in flight at once to one endpoint, so a slow endpoint takes at most this many slots. */
export const DEFAULT_ENDPOINT_CONCURRENCY = 16;
/** How long shutdown waits for attempts in flight before it lets them go. */
const STOP_GRACE_MS = 2_000;

/** The facts of one finished attempt, from an HTTP send or a listen client's outcome. */
export interface AttemptResult {
  number: number;
  startedAtMs: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseSnippet: string;
  retryAfterHeader?: string | string[] | undefined;
}

export interface EngineOptions {
  store: Store;
  timeScale: number;
  log: SandboxLog;
  maxConcurrency?: number;
  endpointConcurrency?: number;
}

/**
 * Runs deliveries: keeps each pending delivery until it is due, then sends it to its
 * endpoint, or hands it to the listen relay, and records the attempt. Every endpoint has
 * its own ready queue and a cap on attempts in flight, and the engine serves the queues in
 * turn, so a slow or dead endpoint never delays deliveries to the others.
 */
export class DeliveryEngine {
  /** Receives listen-session deliveries when they are due. */
  onListenDue: (delivery: DeliveryRecord) => void = () => undefined;

  private readonly store: Store;
  private readonly timeScale: number;
  private readonly log: SandboxLog;
  private readonly maxConcurrency: number;
  private readonly endpointConcurrency: number;
  private readonly timers = new DueHeap<DeliveryRecord>();
  private readonly scheduledDueMs = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueMs = Number.POSITIVE_INFINITY;
  private readonly readyByEndpoint = new Map<string, Fifo<DeliveryRecord>>();
  private readonly turn = new Fifo<string>();
  private readonly inTurn = new Set<string>();
  private readonly inFlightByEndpoint = new Map<string, number>();
  private inFlight = 0;
  private readonly agents = new Map<string, Agent>();
  private readonly urls = new Map<string, URL>();
  private readonly attemptWaiters = new Map<string, Array<() => void>>();
  private stopping = false;
  private idleWaiter: (() => void) | undefined;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.timeScale = options.timeScale;
    this.log = options.log;
    this.maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.endpointConcurrency = options.endpointConcurrency ?? DEFAULT_ENDPOINT_CONCURRENCY;
  }

  /** Arms a pending delivery for its `next_attempt_at_ms`; an overdue one runs at once. */
  schedule(delivery: DeliveryRecord): void {
    if (this.stopping || delivery.status !== 'pending' || delivery.next_attempt_at_ms === null) return;
    const dueMs = delivery.next_attempt_at_ms;
    this.scheduledDueMs.set(delivery.id, dueMs);
    if (dueMs <= Date.now()) {
      this.release(delivery, dueMs);
      return;
    }
    this.timers.push(dueMs, delivery);
    if (dueMs < this.timerDueMs) this.armTimer();
  }

  /** Records a finished attempt, then schedules the retry or settles the delivery. */
  recordAttempt(delivery: DeliveryRecord, result: AttemptResult): AttemptRecord {
    const nowMs = Date.now();
    const attempt: AttemptRecord = {
      id: attemptId(),
      number: result.number,
      started_at_ms: result.startedAtMs,
      duration_ms: result.durationMs,
      status_code: result.statusCode,
      error: result.error,
      response_snippet: result.responseSnippet,
    };
    delivery.attempt_count = Math.max(delivery.attempt_count, result.number);
    delivery.last_status_code = result.statusCode;
    delivery.last_error = result.error;
    delivery.last_duration_ms = result.durationMs;
    delivery.updated_at_ms = nowMs;

    let retryInMs: number | null = null;
    if (result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
      delivery.status = 'ok';
      delivery.next_attempt_at_ms = null;
    } else {
      const decision = decideRetry({
        attempt: result.number,
        nowMs,
        deadlineAtMs: delivery.deadline_at_ms,
        timeScale: this.timeScale,
        statusCode: result.statusCode,
        retryAfterHeader: result.retryAfterHeader,
      });
      delivery.next_attempt_at_ms = decision.nextAttemptAtMs;
      if (decision.nextAttemptAtMs === null) delivery.status = 'failed';
      else retryInMs = decision.delayMs;
    }

    this.store.saveDelivery(delivery, attempt);
    this.log.attempt(delivery, attempt, retryInMs);
    this.schedule(delivery);
    this.wakeAttemptWaiters(delivery.id);
    return attempt;
  }

  /** Marks a pending delivery as failed without an attempt, such as when its endpoint is deleted. */
  giveUp(delivery: DeliveryRecord, reason: string): void {
    if (delivery.status !== 'pending') return;
    delivery.status = 'failed';
    delivery.last_error = reason;
    delivery.next_attempt_at_ms = null;
    delivery.updated_at_ms = Date.now();
    this.scheduledDueMs.delete(delivery.id);
    this.store.saveDelivery(delivery);
    this.wakeAttemptWaiters(delivery.id);
  }

  /** Resolves after the delivery's next attempt is recorded or it is settled, or after `timeoutMs`. */
  waitForAttempt(deliveryId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const list = this.attemptWaiters.get(deliveryId) ?? [];
      list.push(done);
      this.attemptWaiters.set(deliveryId, list);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Stops timers, waits briefly for attempts in flight, and closes idle connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timers.clear();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_GRACE_MS);
        this.idleWaiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const agent of this.agents.values()) agent.destroy();
    for (const list of this.attemptWaiters.values()) for (const done of list) done();
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const dueMs = this.timers.peekDueMs();
    if (dueMs === undefined) {
      this.timerDueMs = Number.POSITIVE_INFINITY;
      return;
    }
    this.timerDueMs = dueMs;
    this.timer = setTimeout(() => this.releaseDue(), Math.max(0, dueMs - Date.now()));
  }

  private releaseDue(): void {
    const nowMs = Date.now();
    for (let dueMs = this.timers.peekDueMs(); dueMs !== undefined && dueMs <= nowMs; dueMs = this.timers.peekDueMs()) {
      const entry = this.timers.pop()!;
      this.release(entry.item, entry.dueMs);
    }
    this.armTimer();
  }

  // A heap entry is stale when the delivery was rescheduled, settled or dropped since.
  private release(delivery: DeliveryRecord, dueMs: number): void {
    if (this.scheduledDueMs.get(delivery.id) !== dueMs) return;
    this.scheduledDueMs.delete(delivery.id);
    if (delivery.status !== 'pending' || this.store.deliveries.get(delivery.id) !== delivery) return;

    if (delivery.listen_session_id !== null) {
      this.onListenDue(delivery);
      return;
    }
    const endpointId = delivery.endpoint_id!;
    let queue = this.readyByEndpoint.get(endpointId);
    if (queue === undefined) {
      queue = new Fifo();
      this.readyByEndpoint.set(endpointId, queue);
    }
    queue.push(delivery);
    this.offerTurn(endpointId);
    this.pump();
  }

  private offerTurn(endpointId: string): void {
    if (this.inTurn.has(endpointId)) return;
    if ((this.readyByEndpoint.get(endpointId)?.length ?? 0) === 0) return;
    if ((this.inFlightByEndpoint.get(endpointId) ?? 0) >= this.endpointConcurrency) return;
    this.inTurn.add(endpointId);
    this.turn.push(endpointId);
  }

  // Round robin over endpoints with ready deliveries and a free slot.
  private pump(): void {
    while (!this.stopping && this.inFlight < this.maxConcurrency && this.turn.length > 0) {
      const endpointId = this.turn.shift()!;
      this.inTurn.delete(endpointId);
      const queue = this.readyByEndpoint.get(endpointId);
      const delivery = queue?.shift();
      if (queue !== undefined && queue.length === 0) this.readyByEndpoint.delete(endpointId);
      if (delivery === undefined) continue;

      this.inFlight += 1;
      this.inFlightByEndpoint.set(endpointId, (this.inFlightByEndpoint.get(endpointId) ?? 0) + 1);
      this.offerTurn(endpointId);
      void this.attempt(delivery).finally(() => this.finishAttempt(endpointId));
    }
  }

  private finishAttempt(endpointId: string): void {
    this.inFlight -= 1;
    const left = (this.inFlightByEndpoint.get(endpointId) ?? 1) - 1;
    if (left === 0) this.inFlightByEndpoint.delete(endpointId);
    else this.inFlightByEndpoint.set(endpointId, left);
    if (this.stopping) {
      if (this.inFlight === 0) this.idleWaiter?.();
      return;
    }
    this.offerTurn(endpointId);
    this.pump();
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    try {
      const event = this.store.events.get(delivery.event_id);
      const endpoint = this.store.endpoints.get(delivery.endpoint_id!);
      if (event === undefined || delivery.status !== 'pending') return;
      if (endpoint === undefined || !endpoint.enabled) {
        this.giveUp(delivery, endpoint === undefined ? 'the endpoint was deleted' : 'the endpoint is disabled');
        return;
      }

      const number = delivery.attempt_count + 1;
      const url = this.parsedUrl(endpoint.url);
      const headers = deliveryHeaders(event, delivery, number, signingSecrets(endpoint, Date.now()));
      delivery.url = endpoint.url;
      const startedAtMs = Date.now();
      const result = await sendRequest({ url, headers, body: event.body, agent: this.agentFor(url) });
      if (this.store.deliveries.get(delivery.id) !== delivery) return;
      this.recordAttempt(delivery, toAttemptResult(result, number, startedAtMs, url));
    } catch (error) {
      this.log.error(`delivery ${delivery.id}: the attempt failed inside the sandbox: ${(error as Error).message}`);
    }
  }

  // Parsing the same few endpoint URLs on every attempt showed up in profiles.
  private parsedUrl(text: string): URL {
    let url = this.urls.get(text);
    if (url === undefined) {
      if (this.urls.size > 1_000) this.urls.clear();
      url = new URL(text);
      this.urls.set(text, url);
    }
    return url;
  }

  private agentFor(url: URL): Agent {
    let agent = this.agents.get(url.origin);
    if (agent === undefined) {
      agent = createAgent(url, this.maxConcurrency) as Agent;
      this.agents.set(url.origin, agent);
    }
    return agent;
  }

  private wakeAttemptWaiters(deliveryId: string): void {
    const list = this.attemptWaiters.get(deliveryId);
    if (list === undefined) return;
    this.attemptWaiters.delete(deliveryId);
    for (const done of list) done();
  }
}

function toAttemptResult(result: SendResult, number: number, startedAtMs: number, url: URL): AttemptResult {
  let error: string | null = null;
  if (result.error !== null) error = describeSendError(result.error, url);
  else if (result.redirectLocation !== undefined) error = `redirect to ${result.redirectLocation} (not followed)`;
  return {
    number,
    startedAtMs,
    durationMs: result.durationMs,
    statusCode: result.error === null ? result.statusCode : null,
    error,
    responseSnippet: result.responseBody.toString('utf8'),
    retryAfterHeader: result.responseHeaders['retry-after'],
  };
}
