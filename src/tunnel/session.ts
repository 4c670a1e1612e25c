import { CliError, ExitCode } from '../errors.js';
import { CloseCode, type DeliveryMessage, type OutcomeMessage, type ReadyMessage } from '../protocol/index.js';
import { reconnectDelayMs } from './backoff.js';
import { ConnectError, type ConnectFunction, type RelayConnection } from './connection.js';

/** The response of `POST /v1/listen_sessions`. */
export interface ListenSessionInfo {
  id: string;
  ws_url: string;
  token: string;
  token_expires_at?: string;
  secret: string;
  events: string[];
}

/** The REST calls the tunnel needs; errors are CliErrors with the API client's exit codes. */
export interface SessionApi {
  open(): Promise<ListenSessionInfo>;
  refreshToken(sessionId: string): Promise<{ token: string }>;
  close(sessionId: string): Promise<void>;
}

/** A change of the connection state, for the status lines on stderr. */
export type TunnelEvent =
  | { type: 'connecting'; url: string }
  | { type: 'ready'; sessionId: string; resumed: boolean; replayCount: number }
  | { type: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  | { type: 'token_refreshed' }
  | { type: 'new_session'; sessionId: string; previousSessionId: string }
  | { type: 'ignored_message'; messageType: string };

/** The reason the tunnel stopped for good. */
export type TunnelEnd =
  | { reason: 'stopped' }
  | { reason: 'relay_closed'; message: string }
  | { reason: 'replaced'; message: string };

export interface TunnelOptions {
  api: SessionApi;
  connect: ConnectFunction;
  onDelivery(delivery: DeliveryMessage, receivedAtMs: number): void;
  onEvent(event: TunnelEvent): void;
  /** How long the first connection may take to send its `ready` frame. */
  readyTimeoutMs?: number;
  random?: () => number;
}

const READY_TIMEOUT_MS = 10_000;

/**
 * Keeps one listen session connected: opens it, fails fast when the first connection
 * cannot open, and once it has opened reconnects after every drop (backoff with jitter)
 * until stop() or a clean close by the relay. It resumes the same session, so the relay
 * replays what the last connection did not settle. A rejected token is refreshed, and a
 * session the relay has lost is replaced by a new one.
 */
export class Tunnel {
  private session: ListenSessionInfo | undefined;
  private connection: RelayConnection | undefined;
  private stopping = false;
  private attempt = 0;
  /** Increases with each connection, so events of a socket given up on are ignored. */
  private generation = 0;
  private lastRelayError: string | undefined;
  private readyWaiter: { resolve(ready: ReadyMessage): void; reject(error: ConnectError): void } | undefined;
  private cancelWait: (() => void) | undefined;
  private resolveEnd!: (end: TunnelEnd) => void;

  /** Resolves once the tunnel has stopped for good. */
  readonly ended: Promise<TunnelEnd> = new Promise((resolve) => {
    this.resolveEnd = resolve;
  });

  constructor(private readonly options: TunnelOptions) {}

  /** Opens the session and its first connection; throws a CliError when either fails. */
  async start(): Promise<ListenSessionInfo> {
    this.session = await this.options.api.open();
    this.options.onEvent({ type: 'connecting', url: this.session.ws_url });
    try {
      await this.connectOnce(this.options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    } catch (error) {
      this.generation += 1;
      this.connection?.close(CloseCode.goingAway);
      await this.options.api.close(this.session.id).catch(() => undefined);
      throw firstConnectionError(error, this.session.ws_url);
    }
    return this.session;
  }

  /** Sends an outcome on the current connection. Without one it is dropped, and the relay replays the delivery later. */
  send(outcome: OutcomeMessage): boolean {
    if (!this.connection?.isOpen) return false;
    this.connection.send(outcome);
    return true;
  }

  /** Stops reading deliveries from the current connection until resumeReading(). */
  pauseReading(): void {
    this.connection?.pause();
  }

  resumeReading(): void {
    this.connection?.resume();
  }

  /** Bytes waiting in the socket's send buffer. */
  get bufferedAmount(): number {
    return this.connection?.bufferedAmount ?? 0;
  }

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  /** Closes the socket with 1000 and deletes the session; safe to call more than once. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.cancelWait?.();
    this.readyWaiter?.reject(new ConnectError('stamp7 listen stopped', 'closed', CloseCode.normal));
    this.readyWaiter = undefined;
    this.connection?.close(CloseCode.normal, 'stamp7 listen stopped');
    if (this.session) await this.options.api.close(this.session.id).catch(() => undefined);
    this.resolveEnd({ reason: 'stopped' });
  }

  private async connectOnce(readyTimeoutMs: number): Promise<void> {
    const session = this.session!;
    const ready = new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConnectError(`no ready frame from the relay within ${readyTimeoutMs} ms`, 'network', undefined, 'ETIMEDOUT')), readyTimeoutMs);
      this.readyWaiter = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
    ready.catch(() => undefined);
    const generation = ++this.generation;
    try {
      this.connection = await this.options.connect(session.ws_url, session.token, {
        onOpen: (connection) => {
          if (generation === this.generation) this.connection = connection;
        },
        onMessage: (message) => {
          if (generation === this.generation) this.handleMessage(message);
        },
        onClose: (code, reason) => {
          if (generation === this.generation) this.handleClose(code, reason);
        },
      });
    } catch (error) {
      this.readyWaiter?.reject(error as ConnectError);
      this.readyWaiter = undefined;
      throw error;
    }
    // stop() may have run while the socket was opening; this socket must not outlive it.
    if (this.stopping) {
      this.connection.close(CloseCode.normal, 'stamp7 listen stopped');
      throw new ConnectError('stamp7 listen stopped', 'closed', CloseCode.normal);
    }
    const message = await ready;
    this.attempt = 0;
    this.lastRelayError = undefined;
    this.options.onEvent({ type: 'ready', sessionId: message.session_id, resumed: message.resumed, replayCount: message.replay_count });
  }

  private handleMessage(message: { type: string; [key: string]: unknown }): void {
    switch (message.type) {
      case 'ready': {
        const waiter = this.readyWaiter;
        this.readyWaiter = undefined;
        waiter?.resolve(message as unknown as ReadyMessage);
        return;
      }
      case 'delivery':
        if (isDelivery(message)) this.options.onDelivery(message, Date.now());
        else this.options.onEvent({ type: 'ignored_message', messageType: 'delivery (missing fields)' });
        return;
      case 'error':
        this.lastRelayError = `${String(message.code)}: ${String(message.message)}`;
        return;
      default:
        this.options.onEvent({ type: 'ignored_message', messageType: message.type });
    }
  }

  private handleClose(code: number, reason: string): void {
    this.connection = undefined;
    if (this.stopping) return;
    const detail = this.lastRelayError ?? (reason || `close code ${code}`);

    // Closed before `ready`: the connect step that waits for it handles the failure.
    const waiter = this.readyWaiter;
    if (waiter) {
      this.readyWaiter = undefined;
      waiter.reject(new ConnectError(`the relay closed the connection before it was ready: ${detail}`, 'closed', code));
      return;
    }

    if (code === CloseCode.normal) {
      this.stopping = true;
      this.resolveEnd({ reason: 'relay_closed', message: `the relay ended the session (${detail})` });
      return;
    }
    if (code === CloseCode.replaced) {
      this.stopping = true;
      this.resolveEnd({ reason: 'replaced', message: 'another stamp7 listen took over this session' });
      return;
    }
    let repair: 'token' | 'session' | undefined;
    if (code === CloseCode.unauthorized) repair = 'token';
    if (code === CloseCode.sessionNotFound) repair = 'session';
    void this.reconnectLoop(repair, describeClose(code, detail));
  }

  /** Retries until a connection is ready or stop() is called, catching every failure on the way. */
  private async reconnectLoop(repair: 'token' | 'session' | undefined, reason: string): Promise<void> {
    let pendingRepair = repair;
    let lastReason = reason;
    while (!this.stopping) {
      this.attempt += 1;
      const delayMs = pendingRepair ? 0 : reconnectDelayMs(this.attempt, this.options.random);
      this.options.onEvent({ type: 'reconnecting', attempt: this.attempt, delayMs, reason: lastReason });
      await this.wait(delayMs);
      if (this.stopping) return;
      try {
        if (pendingRepair === 'token') await this.refreshToken();
        if (pendingRepair === 'session') await this.replaceSession();
        pendingRepair = undefined;
        this.options.onEvent({ type: 'connecting', url: this.session!.ws_url });
        await this.connectOnce(READY_TIMEOUT_MS);
        return;
      } catch (error) {
        if (this.stopping) return;
        this.generation += 1;
        this.connection?.close(CloseCode.goingAway);
        this.connection = undefined;
        this.readyWaiter = undefined;
        pendingRepair = repairFor(error);
        lastReason = error instanceof Error ? error.message : String(error);
      }
    }
  }

  private async refreshToken(): Promise<void> {
    const session = this.session!;
    const { token } = await this.options.api.refreshToken(session.id);
    session.token = token;
    this.options.onEvent({ type: 'token_refreshed' });
  }

  private async replaceSession(): Promise<void> {
    const previousSessionId = this.session!.id;
    this.session = await this.options.api.open();
    this.options.onEvent({ type: 'new_session', sessionId: this.session.id, previousSessionId });
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.cancelWait = done;
    });
  }
}

/** Says what to fix before the next try: the token (HTTP 401, close 4001) or the session (404, 4004). */
function repairFor(error: unknown): 'token' | 'session' | undefined {
  if (error instanceof CliError) return error.exitCode === ExitCode.notFound ? 'session' : undefined;
  if (!(error instanceof ConnectError)) return undefined;
  if ((error.kind === 'http' && error.statusCode === 401) || (error.kind === 'closed' && error.statusCode === CloseCode.unauthorized)) return 'token';
  if ((error.kind === 'http' && error.statusCode === 404) || (error.kind === 'closed' && error.statusCode === CloseCode.sessionNotFound)) return 'session';
  return undefined;
}

function isDelivery(message: { type: string; [key: string]: unknown }): message is DeliveryMessage & { [key: string]: unknown } {
  return (
    typeof message.delivery_id === 'string' &&
    typeof message.attempt === 'number' &&
    typeof message.body_base64 === 'string' &&
    typeof message.headers === 'object' &&
    message.headers !== null
  );
}

function describeClose(code: number, detail: string): string {
  if (code === 1006) return 'the connection dropped';
  if (code === CloseCode.unauthorized) return 'the listen token expired';
  if (code === CloseCode.sessionNotFound) return 'the relay no longer knows the session';
  return `the relay closed the connection: ${detail}`;
}

/** Turns a failure of the first connection into a CliError with the documented exit code. */
function firstConnectionError(error: unknown, url: string): unknown {
  if (!(error instanceof ConnectError)) return error;
  const unauthorized = error.kind === 'closed' ? error.statusCode === CloseCode.unauthorized : error.statusCode === 401 || error.statusCode === 403;
  if (unauthorized) {
    return new CliError(`the relay rejected the listen token (${error.kind === 'closed' ? 'close code' : 'HTTP'} ${error.statusCode})`, {
      hint: 'check the API key with stamp7 whoami, or log in again with stamp7 login',
      exitCode: ExitCode.auth,
      code: 'unauthorized',
    });
  }
  if (error.kind === 'http') {
    return new CliError(`the relay at ${url} responded with HTTP ${error.statusCode} instead of opening the WebSocket`, {
      hint: 'check the API base URL of the profile (stamp7 whoami)',
      exitCode: ExitCode.api,
      code: 'relay_error',
    });
  }
  if (error.kind === 'closed') {
    return new CliError(error.message, { hint: 'run the command again; if it keeps failing, run it with --debug', exitCode: ExitCode.network, code: 'relay_closed' });
  }
  const host = safeHost(url);
  const reason =
    error.errorCode === 'ECONNREFUSED' ? `connection refused by ${host}` :
    error.errorCode === 'ENOTFOUND' || error.errorCode === 'EAI_AGAIN' ? `host not found: ${host}` :
    error.message;
  return new CliError(`cannot connect to the listen relay: ${reason}`, {
    hint: 'check your network and the API base URL (stamp7 whoami); for the sandbox, check that stamp7 sandbox is running',
    exitCode: ExitCode.network,
    code: 'relay_unreachable',
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
