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
        if (Date.now() - lastSeenMs >= DEAD_SOCKET_MS) {
          socket.terminate();
          return;
        }
        socket.ping();
      }, PING_INTERVAL_MS);
      heartbeat.unref();
      const connection: RelayConnection = {
        send(message) {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
        },
        close(code, reason) {
          socket.close(code, reason);
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
