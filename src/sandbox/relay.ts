import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCode, PROTOCOL_VERSION, RESPONSE_SNIPPET_BYTES, parseMessage, type DeliveryMessage, type RelayMessage } from '../protocol/index.js';
import { deliveryHeaders } from './deliveries.js';
import type { DeliveryEngine } from './engine.js';
import { bearerToken, tokenOpensSession } from './listen-auth.js';
import type { SandboxLog } from './log.js';
import type { DeliveryRecord, ListenSessionRecord } from './model.js';
import { parseOutcome } from './outcome.js';
import { Fifo } from './queues.js';
import type { Store } from './store.js';

/** Maximum deliveries sent on one connection that have no outcome yet. */
export const MAX_UNANSWERED = 1_000;
/** Maximum deliveries kept per session for a client that is away; older ones are given up. */
export const MAX_WAITING_PER_SESSION = 10_000;
const PING_INTERVAL_MS = 10_000;
const SILENCE_LIMIT_MS = 30_000;
/** Above this many bytes queued in the socket, sending pauses until the socket drains. */
const SOCKET_HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Sessions with no client for this long (wall-clock time) are closed. */
const SESSION_IDLE_LIMIT_MS = 24 * 3_600_000;
const LISTEN_PATH = /^\/v1\/listen_sessions\/([^/]+)\/ws$/;

interface Connection {
  socket: WebSocket;
  /** Delivery id to the attempt number sent on this connection that has no outcome yet. */
  unanswered: Map<string, number>;
  replayIds: Set<string>;
  lastHeardMs: number;
  /** Malformed outcome frames ignored; only the first is logged at once, the count at close. */
  malformedOutcomes: number;
  detached: boolean;
  pingTimer: NodeJS.Timeout;
  drainTimer: NodeJS.Timeout | undefined;
}

interface SessionState {
  waiting: Fifo<DeliveryRecord>;
  connection: Connection | undefined;
}

export interface RelayOptions {
  store: Store;
  engine: DeliveryEngine;
  log: SandboxLog;
  /** Returns a session's signing secret. */
  secretOf: (session: ListenSessionRecord) => string;
}

/**
 * The listen relay: pushes deliveries to listen sessions over WebSocket and records each
 * outcome as an attempt. A delivery without an outcome stays pending and goes out again,
 * marked as a replay, on the session's next connection.
 */
export class ListenRelay {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private readonly states = new Map<string, SessionState>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly options: RelayOptions) {
    options.engine.onListenDue = (delivery) => this.enqueue(delivery);
    this.sweepTimer = setInterval(() => this.sweep(), 1_000);
    this.sweepTimer.unref();
  }

  /** Takes over an HTTP upgrade on the listen path; returns false for any other path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = LISTEN_PATH.exec(new URL(request.url ?? '/', 'http://sandbox').pathname);
    if (match === null) return false;
    // Decoded before the upgrade, so a malformed escape fails here, inside the caller's try.
    const sessionId = decodeURIComponent(match[1]!);
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, sessionId, request));
    return true;
  }

  /** Queues a due delivery for its session and sends it when a client is connected. */
  enqueue(delivery: DeliveryRecord): void {
    const state = this.stateOf(delivery.listen_session_id!);
    if (state.waiting.length >= MAX_WAITING_PER_SESSION) {
      const oldest = state.waiting.shift();
      if (oldest !== undefined) this.options.engine.giveUp(oldest, `more than ${MAX_WAITING_PER_SESSION} deliveries waited for a listen client`);
    }
    state.waiting.push(delivery);
    this.pump(delivery.listen_session_id!);
  }

  /** Closes a deleted session's connection with 1000 and gives up its pending deliveries. */
  closeSession(sessionId: string): void {
    const state = this.states.get(sessionId);
    this.states.delete(sessionId);
    if (state?.connection) this.closeConnection(state.connection, CloseCode.normal, 'session_closed', 'the listen session was closed');
    for (const delivery of this.options.store.deliveries.values()) {
      if (delivery.listen_session_id === sessionId) this.options.engine.giveUp(delivery, 'the listen session was closed');
    }
  }

  /** Cuts every connection without a close frame, as a network failure would. Returns how many. */
  dropConnections(): number {
    let count = 0;
    for (const state of this.states.values()) {
      if (state.connection) {
        state.connection.socket.terminate();
        count += 1;
      }
    }
    return count;
  }

  /** Closes every connection with 1001 (going away), cuts those that do not finish the close within a second, and stops the timers. */
  stop(): void {
    clearInterval(this.sweepTimer);
    for (const state of this.states.values()) {
      const connection = state.connection;
      if (connection === undefined) continue;
      this.closeConnection(connection, CloseCode.goingAway, 'shutting_down', 'the sandbox is stopping');
      // A dead client never answers the close frame, and ws would wait 30 s for it.
      setTimeout(() => connection.socket.terminate(), 1_000).unref();
    }
    this.server.close();
  }

  private stateOf(sessionId: string): SessionState {
    let state = this.states.get(sessionId);
    if (state === undefined) {
      state = { waiting: new Fifo(), connection: undefined };
      this.states.set(sessionId, state);
    }
    return state;
  }

  private accept(socket: WebSocket, sessionId: string, request: IncomingMessage): void {
    const session = this.options.store.sessions.get(sessionId);
    if (session === undefined) {
      sendAndClose(socket, CloseCode.sessionNotFound, 'session_not_found', `no listen session ${sessionId}: open a new session`);
      return;
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !tokenOpensSession(token, session, Date.now())) {
      const reason = token === undefined ? 'the Authorization header has no listen token' : 'the listen token is invalid or expired';
      sendAndClose(socket, CloseCode.unauthorized, 'unauthorized', `${reason}: request a new token`);
      return;
    }

    const state = this.stateOf(sessionId);
    const previous = state.connection;
    if (previous !== undefined) {
      // Detach first, so the old connection's unanswered deliveries join this one's replay.
      this.detach(sessionId, previous);
      this.closeConnection(previous, CloseCode.replaced, 'replaced', 'another connection took over this listen session');
    }
    const resumed = session.last_seen_at_ms > 0;
    const connection: Connection = {
      socket,
      unanswered: new Map(),
      replayIds: new Set(),
      lastHeardMs: Date.now(),
      malformedOutcomes: 0,
      detached: false,
      pingTimer: setInterval(() => this.checkAlive(connection), PING_INTERVAL_MS),
      drainTimer: undefined,
    };
    state.connection = connection;
    this.touchSession(session);

    // Replays go out in the order their events were created, whatever order they came back in.
    const store = this.options.store;
    const waiting = state.waiting
      .drain()
      .filter((delivery) => delivery.status === 'pending' && store.deliveries.get(delivery.id) === delivery)
      .sort((a, b) => a.event_seq - b.event_seq || a.seq - b.seq);
    for (const delivery of waiting) {
      state.waiting.push(delivery);
      connection.replayIds.add(delivery.id);
    }

    socket.on('pong', () => (connection.lastHeardMs = Date.now()));
    socket.on('message', (data, isBinary) => {
      // A fault while handling one client's frame ends that connection, never the sandbox.
      try {
        this.receive(sessionId, connection, data, isBinary);
      } catch (error) {
        this.options.log.error(`listen session ${sessionId}: failed to handle a frame: ${(error as Error).stack ?? String(error)}`);
        socket.close(1011, 'internal error');
      }
    });
    socket.on('close', () => this.detach(sessionId, connection));
    socket.on('error', (error) => this.options.log.error(`listen session ${sessionId}: ${error.message}`));

    send(socket, { type: 'ready', protocol: PROTOCOL_VERSION, session_id: sessionId, resumed, replay_count: waiting.length });
    this.options.log.info(`listen session ${sessionId}: client connected${waiting.length > 0 ? `, replaying ${waiting.length}` : ''}`);
    this.pump(sessionId);
  }

  private receive(sessionId: string, connection: Connection, data: RawData, isBinary: boolean): void {
    connection.lastHeardMs = Date.now();
    if (isBinary) return;
    const message = parseMessage(data.toString());
    if (message === undefined || message.type !== 'outcome') return;

    const outcome = parseOutcome(message);
    if (outcome === undefined) {
      connection.malformedOutcomes++;
      if (connection.malformedOutcomes === 1) this.options.log.error(`listen session ${sessionId}: ignored a malformed outcome; more on this connection are counted`);
      return;
    }
    const number = connection.unanswered.get(outcome.delivery_id);
    const delivery = this.options.store.deliveries.get(outcome.delivery_id);
    if (connection.detached || number === undefined || delivery === undefined) return;
    connection.unanswered.delete(outcome.delivery_id);
    this.options.engine.recordAttempt(delivery, {
      number,
      startedAtMs: Date.now() - outcome.duration_ms,
      durationMs: outcome.duration_ms,
      statusCode: outcome.status_code,
      error: outcome.error,
      responseSnippet: truncateUtf8(outcome.response_snippet, RESPONSE_SNIPPET_BYTES),
    });
    this.pump(sessionId);
  }

  // Unanswered deliveries of a closed connection wait for the next one.
  private detach(sessionId: string, connection: Connection): void {
    if (connection.detached) return;
    connection.detached = true;
    if (connection.malformedOutcomes > 1) this.options.log.error(`listen session ${sessionId}: ignored ${connection.malformedOutcomes} malformed outcomes on the connection that closed`);
    clearInterval(connection.pingTimer);
    clearTimeout(connection.drainTimer);
    const state = this.states.get(sessionId);
    const store = this.options.store;
    for (const deliveryId of connection.unanswered.keys()) {
      const delivery = store.deliveries.get(deliveryId);
      if (delivery !== undefined && delivery.status === 'pending' && state !== undefined) state.waiting.push(delivery);
    }
    connection.unanswered.clear();
    if (state?.connection === connection) {
      state.connection = undefined;
      const session = store.sessions.get(sessionId);
      if (session !== undefined) this.touchSession(session);
      this.options.log.info(`listen session ${sessionId}: client disconnected`);
    }
  }

  private pump(sessionId: string): void {
    const state = this.states.get(sessionId);
    const connection = state?.connection;
    const session = this.options.store.sessions.get(sessionId);
    if (state === undefined || connection === undefined || session === undefined) return;

    while (connection.unanswered.size < MAX_UNANSWERED && state.waiting.length > 0) {
      if (connection.socket.bufferedAmount > SOCKET_HIGH_WATER_BYTES) {
        connection.drainTimer ??= setTimeout(() => {
          connection.drainTimer = undefined;
          this.pump(sessionId);
        }, 20);
        return;
      }
      const delivery = state.waiting.shift()!;
      if (delivery.status !== 'pending' || this.options.store.deliveries.get(delivery.id) !== delivery) continue;
      if (connection.unanswered.has(delivery.id)) continue;
      if (Date.now() > delivery.deadline_at_ms) {
        this.options.engine.giveUp(delivery, 'no listen client answered before the 24 h deadline');
        continue;
      }
      this.sendDelivery(connection, session, delivery);
    }
  }

  private sendDelivery(connection: Connection, session: ListenSessionRecord, delivery: DeliveryRecord): void {
    const event = this.options.store.events.get(delivery.event_id);
    if (event === undefined) return;
    const number = delivery.attempt_count + 1;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(deliveryHeaders(event, delivery, number, [this.options.secretOf(session)]))) {
      headers[name.toLowerCase()] = value;
    }
    const message: DeliveryMessage = {
      type: 'delivery',
      delivery_id: delivery.id,
      event_id: event.id,
      event_type: event.type,
      attempt: number,
      replay: connection.replayIds.delete(delivery.id),
      created_at_ms: event.created_at_ms,
      sent_at_ms: Date.now(),
      headers,
      body_base64: event.body.toString('base64'),
    };
    connection.unanswered.set(delivery.id, number);
    send(connection.socket, message);
  }

  private checkAlive(connection: Connection): void {
    if (Date.now() - connection.lastHeardMs > SILENCE_LIMIT_MS) {
      connection.socket.terminate();
      return;
    }
    connection.socket.ping();
  }

  private closeConnection(connection: Connection, code: number, errorCode: string, message: string): void {
    sendAndClose(connection.socket, code, errorCode, message);
  }

  private touchSession(session: ListenSessionRecord): void {
    this.options.store.putSession({ ...session, last_seen_at_ms: Date.now() });
  }

  // Gives up deliveries that waited past their deadline for a client, and closes abandoned sessions.
  private sweep(): void {
    const nowMs = Date.now();
    for (const state of this.states.values()) {
      if (state.connection !== undefined) continue;
      // NOTE: only the head of the queue is checked. The queue is in due order, so an expired
      // delivery behind a live one waits until it reaches the head or a client connects.
      for (let head = state.waiting.peek(); head !== undefined; head = state.waiting.peek()) {
        if (head.status === 'pending' && this.options.store.deliveries.get(head.id) === head && nowMs <= head.deadline_at_ms) break;
        state.waiting.shift();
        this.options.engine.giveUp(head, 'no listen client connected before the 24 h deadline');
      }
    }
    for (const session of this.options.store.sessions.values()) {
      const lastActiveMs = Math.max(session.last_seen_at_ms, session.created_at_ms);
      if (this.states.get(session.id)?.connection === undefined && nowMs - lastActiveMs > SESSION_IDLE_LIMIT_MS) {
        this.options.store.deleteSession(session.id);
        this.closeSession(session.id);
        this.options.log.info(`listen session ${session.id}: closed after 24 h without a client`);
      }
    }
  }
}

function send(socket: WebSocket, message: RelayMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

function sendAndClose(socket: WebSocket, code: number, errorCode: string, message: string): void {
  send(socket, { type: 'error', code: errorCode, message });
  socket.close(code, message.slice(0, 120));
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= maxBytes ? text : bytes.subarray(0, maxBytes).toString('utf8');
}
