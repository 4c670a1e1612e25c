import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { RECONNECT_DELAYS_MS, reconnectDelayMs } from '../../src/tunnel/backoff.js';
import { ConnectError, type RelayConnection, type RelayHandlers } from '../../src/tunnel/connection.js';
import { Tunnel, type ListenSessionInfo, type SessionApi, type TunnelEvent } from '../../src/tunnel/session.js';

/** A scripted relay: each connect() either fails with the next queued error or opens a fake socket. */
class FakeRelay {
  connections: Array<{ handlers: RelayHandlers; token: string; closedWith?: number; sent: unknown[] }> = [];
  failures: ConnectError[] = [];
  autoReady = true;

  connect = async (_url: string, token: string, handlers: RelayHandlers): Promise<RelayConnection> => {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const record: { handlers: RelayHandlers; token: string; closedWith?: number; sent: unknown[] } = { handlers, token, sent: [] };
    this.connections.push(record);
    if (this.autoReady) {
      queueMicrotask(() => handlers.onMessage({ type: 'ready', protocol: 1, session_id: 'ls_1', resumed: this.connections.length > 1, replay_count: 0 }, ''));
    }
    return {
      send: (message) => record.sent.push(message),
      close: (code) => {
        record.closedWith = code;
      },
      pause: () => undefined,
      resume: () => undefined,
      bufferedAmount: 0,
      isOpen: true,
    };
  };

  /** Drops the latest connection as the relay or the network would. */
  drop(code: number): void {
    this.connections.at(-1)!.handlers.onClose(code, '');
  }
}

function fakeApi(): SessionApi & { opened: number; refreshed: number; closed: string[] } {
  const api = {
    opened: 0,
    refreshed: 0,
    closed: [] as string[],
    async open(): Promise<ListenSessionInfo> {
      api.opened += 1;
      return { id: `ls_${api.opened}`, ws_url: 'ws://127.0.0.1:1/v1/listen', token: `lst_${api.opened}`, secret: 'whsec_test', events: ['*'] };
    },
    async refreshToken() {
      api.refreshed += 1;
      return { token: `lst_fresh_${api.refreshed}` };
    },
    async close(id: string) {
      api.closed.push(id);
    },
  };
  return api;
}

describe('reconnectDelayMs', () => {
  it('follows the schedule within the jitter', () => {
    for (const [index, base] of RECONNECT_DELAYS_MS.entries()) {
      expect(reconnectDelayMs(index + 1, () => 0)).toBe(Math.round(base * 0.75));
      expect(reconnectDelayMs(index + 1, () => 1)).toBe(Math.round(base * 1.25));
    }
  });

  it('stays at the last delay after the schedule ends', () => {
    expect(reconnectDelayMs(50, () => 0.5)).toBe(RECONNECT_DELAYS_MS.at(-1));
  });
});

describe('Tunnel', () => {
  let relay: FakeRelay;
  let api: ReturnType<typeof fakeApi>;
  let events: TunnelEvent[];

  function tunnel(): Tunnel {
    return new Tunnel({ api, connect: relay.connect, onDelivery: () => undefined, onEvent: (event) => events.push(event), random: () => 0.5 });
  }

  beforeEach(() => {
    relay = new FakeRelay();
    api = fakeApi();
    events = [];
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails fast with exit 6 when the relay refuses the first connection', async () => {
    relay.failures.push(new ConnectError('connect ECONNREFUSED', 'network', undefined, 'ECONNREFUSED'));
    const error = await tunnel().start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.network);
    expect((error as CliError).message).toContain('connection refused');
    expect(api.closed).toEqual(['ls_1']);
  });

  it('fails fast with exit 4 when the first token is rejected', async () => {
    relay.failures.push(new ConnectError('HTTP 401', 'http', 401));
    const error = await tunnel().start().catch((caught: unknown) => caught);
    expect((error as CliError).exitCode).toBe(ExitCode.auth);
  });

  it('fails fast when no ready frame arrives', async () => {
    relay.autoReady = false;
    const started = tunnel().start().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await started;
    expect((error as CliError).exitCode).toBe(ExitCode.network);
  });

  it('reconnects after a drop with the scheduled delays', async () => {
    const subject = tunnel();
    await subject.start();
    relay.failures.push(new ConnectError('refused', 'network', undefined, 'ECONNREFUSED'), new ConnectError('refused', 'network', undefined, 'ECONNREFUSED'));
    relay.drop(1006);

    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0] + RECONNECT_DELAYS_MS[1] + RECONNECT_DELAYS_MS[2]);
    const waits = events.filter((event) => event.type === 'reconnecting').map((event) => (event as { delayMs: number }).delayMs);
    expect(waits).toEqual([RECONNECT_DELAYS_MS[0], RECONNECT_DELAYS_MS[1], RECONNECT_DELAYS_MS[2]]);
    expect(relay.connections).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'ready', resumed: true });
    expect(api.opened).toBe(1);
  });

  it('restarts the attempt count once ready', async () => {
    const subject = tunnel();
    await subject.start();
    relay.drop(1006);
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]);
    relay.drop(1006);
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]);
    const attempts = events.filter((event) => event.type === 'reconnecting').map((event) => (event as { attempt: number }).attempt);
    expect(attempts).toEqual([1, 1]);
  });

  it('refreshes the token on close code 4001 and reuses the session', async () => {
    const subject = tunnel();
    await subject.start();
    relay.drop(4001);
    await vi.advanceTimersByTimeAsync(0);
    expect(api.refreshed).toBe(1);
    expect(relay.connections.at(-1)!.token).toBe('lst_fresh_1');
    expect(api.opened).toBe(1);
    expect(subject.sessionId).toBe('ls_1');
  });

  it('opens a new session on close code 4004', async () => {
    const subject = tunnel();
    await subject.start();
    relay.drop(4004);
    await vi.advanceTimersByTimeAsync(0);
    expect(api.opened).toBe(2);
    expect(subject.sessionId).toBe('ls_2');
    expect(events.some((event) => event.type === 'new_session')).toBe(true);
  });

  it('ends on a clean close from the relay', async () => {
    const subject = tunnel();
    await subject.start();
    relay.drop(1000);
    await expect(subject.ended).resolves.toMatchObject({ reason: 'relay_closed' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(relay.connections).toHaveLength(1);
  });

  it('ends when another client takes over the session', async () => {
    const subject = tunnel();
    await subject.start();
    relay.drop(4009);
    await expect(subject.ended).resolves.toMatchObject({ reason: 'replaced' });
  });

  it('stops during a reconnect wait without connecting again', async () => {
    const subject = tunnel();
    await subject.start();
    relay.drop(1006);
    await subject.stop();
    await subject.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(relay.connections).toHaveLength(1);
    expect(api.closed).toEqual(['ls_1']);
    await expect(subject.ended).resolves.toEqual({ reason: 'stopped' });
  });

  it('closes a socket that opens after stop', async () => {
    const subject = tunnel();
    await subject.start();
    relay.autoReady = false;
    relay.drop(1006);
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]);
    expect(relay.connections).toHaveLength(2);
    await subject.stop();
    expect(relay.connections[1]!.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(relay.connections).toHaveLength(2);
  });

  it('closes with 1000 on stop', async () => {
    const subject = tunnel();
    await subject.start();
    await subject.stop();
    expect(relay.connections[0]!.closedWith).toBe(1000);
  });
});
