import WebSocket from 'ws';
import { LISTEN_TOKEN_HEADER, parseMessage, type ClientMessage } from '../protocol/index.js';

/** How often the tunnel checks the socket and sends its own ping. */
export const PING_INTERVAL_MS = 5_000;

/**
 * A socket with no frame, ping or pong from the relay for this long is dead and is
 * terminated. With the 5 s check, a dead socket is found within 15 s of its last sign of life.
 */
export const DEAD_SOCKET_MS = 10_000;

/** The failure to open the relay socket. */
export class ConnectError extends Error {
  constructor(
    message: string,
    /** `http`: an HTTP response instead of an upgrade; `closed`: closed before `ready`; `network`: no connection. */
    readonly kind: 'http' | 'closed' | 'network',
    /** The HTTP status of the refused upgrade for `http`, the close code for `closed`. */
    readonly statusCode?: number,
    /** The Node.js error code (`ECONNREFUSED`, `ENOTFOUND`, …), for `network`. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

export interface RelayHandlers {
  /**
   * Called with the connection as soon as it opens, before any message: frames that came in
   * the same packet as the upgrade response are dispatched before the connect promise settles.
   */
  onOpen?(connection: RelayConnection): void;
  onMessage(message: { type: string; [key: string]: unknown }, raw: string): void;
  /** Called once when the socket closes for any reason, including a terminated dead socket. */
  onClose(code: number, reason: string): void;
}

/** One open WebSocket to the relay. */
export interface RelayConnection {
  send(message: ClientMessage): void;
  close(code: number, reason?: string): void;
  /**
   * Stops reading frames, so deliveries wait in the relay and the kernel instead of this
   * process's memory. The heartbeat does not count the paused time as silence.
   */
  pause(): void;
  resume(): void;
  /** Bytes queued in the socket but not yet written, to slow down before the buffer grows. */
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
}

export type ConnectFunction = (url: string, token: string, handlers: RelayHandlers) => Promise<RelayConnection>;

/**
 * Opens the relay socket with the listen token in the Authorization header. Resolves once
 * the socket is open; rejects with a ConnectError that tells whether the relay
 * responded with an HTTP status (401 for a bad token) or the network failed.
 */
export const connectRelay: ConnectFunction = (url, token, handlers) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      headers: { [LISTEN_TOKEN_HEADER]: `Bearer ${token}` },
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    let opened = false;
    let lastSeenMs = Date.now();
    let heartbeat: NodeJS.Timeout | undefined;

    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      reject(new ConnectError(`the relay responded with HTTP ${status} instead of opening the WebSocket`, 'http', status));
      socket.terminate();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!opened) reject(new ConnectError(error.message, 'network', undefined, error.code));
    });

    socket.on('open', () => {
      opened = true;
      lastSeenMs = Date.now();
      // Any sign of life resets the clock. A socket that stays silent is terminated rather
      // than closed, because a close handshake cannot finish on a dead connection.
      heartbeat = setInterval(() => {
        if (socket.isPaused) return;
        if (Date.now() - lastSeenMs >= DEAD_SOCKET_MS) {
          socket.terminate();
          return;
        }
        socket.ping();
      }, PING_INTERVAL_MS);
      heartbeat.unref();

      // Outcomes sent in one event-loop turn leave in one TCP write: the socket is corked at
      // the first and uncorked on the next turn. On loopback, each write costs the kernel's
      // whole receive path, so this saves most of the tunnel's system time under load.
      // NOTE: `_socket` is ws's internal handle on the TCP socket (ws 8); without it, every
      // frame is written on its own, which is correct, only slower.
      const tcp = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      let corked = false;
      const uncork = (): void => {
        corked = false;
        tcp?.uncork();
      };
      const connection: RelayConnection = {
        send(message) {
          if (socket.readyState !== WebSocket.OPEN) return;
          if (tcp && !corked) {
            corked = true;
            tcp.cork();
            setImmediate(uncork);
          }
          socket.send(JSON.stringify(message));
        },
        close(code, reason) {
          socket.close(code, reason);
        },
        pause() {
          socket.pause();
        },
        resume() {
          if (!socket.isPaused) return;
          lastSeenMs = Date.now();
          socket.resume();
        },
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
        get isOpen() {
          return socket.readyState === WebSocket.OPEN;
        },
      };
      handlers.onOpen?.(connection);
      resolve(connection);
    });

    const alive = (): void => {
      lastSeenMs = Date.now();
    };
    socket.on('ping', alive);
    socket.on('pong', alive);
    socket.on('message', (data, isBinary) => {
      alive();
      if (isBinary) return;
      const raw = data.toString();
      const message = parseMessage(raw);
      if (message) handlers.onMessage(message, raw);
    });

    socket.on('close', (code, reason) => {
      if (heartbeat) clearInterval(heartbeat);
      if (opened) handlers.onClose(code, reason.toString());
      else reject(new ConnectError(`the relay closed the connection before it opened (code ${code})`, 'network', undefined, 'ECONNRESET'));
    });
  });
