import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DeliveryMessage, OutcomeMessage } from '../../src/protocol/index.js';
import { signPayload, verifySignature } from '../../src/signing/index.js';
import { runListen, type ListenOptions } from '../../src/tunnel/listen.js';
import { Reporter } from '../../src/tunnel/report.js';
import type { SessionApi } from '../../src/tunnel/session.js';
import { LineWriter } from '../../src/tunnel/writer.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec_unit_test_secret_0123456789';

/** A minimal relay: sends `ready`, then whatever the test pushes, and collects outcomes. */
class TestRelay {
  server!: WebSocketServer;
  sockets: WebSocket[] = [];
  outcomes: OutcomeMessage[] = [];
  private outcomeWaiters: Array<() => void> = [];

  async start(): Promise<void> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(this.server, 'listening');
    this.server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.send(JSON.stringify({ type: 'ready', protocol: 1, session_id: 'ls_test', resumed: this.sockets.length > 1, replay_count: 0 }));
      socket.on('message', (data) => {
        this.outcomes.push(JSON.parse(data.toString()) as OutcomeMessage);
        for (const wake of this.outcomeWaiters.splice(0)) wake();
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/listen`;
  }

  send(delivery: DeliveryMessage): void {
    this.sockets.at(-1)!.send(JSON.stringify(delivery));
  }

  async waitForOutcomes(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outcomes.length < count) {
      if (Date.now() > deadline) throw new Error(`relay got ${this.outcomes.length} of ${count} outcomes`);
      await new Promise<void>((resolve) => {
        this.outcomeWaiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitForConnections(count: number): Promise<void> {
    while (this.sockets.length < count) await once(this.server, 'connection');
  }

  async close(): Promise<void> {
    for (const socket of this.server.clients) socket.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function makeDelivery(index: number, attempt = 1): DeliveryMessage {
  const body = Buffer.from(`{"id":"evt_${index}","event":"stamp_added","n":${index},"text":"caf\u00e9  spaced"}`);
  return {
    type: 'delivery',
    delivery_id: `dlv_${index}`,
    event_id: `evt_${index}`,
    event_type: 'stamp_added',
    attempt,
    replay: false,
    created_at_ms: Date.now() - 5,
    sent_at_ms: Date.now(),
    headers: {
      'content-type': 'application/json',
      'x-7stamp-event': 'stamp_added',
      'x-7stamp-delivery-id': `dlv_${index}`,
      'x-7stamp-attempt': String(attempt),
      'x-7stamp-signature': signPayload(body, SECRET),
    },
    body_base64: body.toString('base64'),
  };
}

function captureReporter(): { reporter: Reporter; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      stdout.push(...chunk.toString().trimEnd().split('\n'));
      callback();
    },
  });
  const reporter = new Reporter({ format: 'json', quiet: false, writer: new LineWriter(stream), status: (line) => stderr.push(line) });
  return { reporter, stdout, stderr };
}

describe('runListen against a loopback relay', () => {
  let relay: TestRelay;
  let receiver: Receiver;
  let api: SessionApi;

  beforeEach(async () => {
    relay = new TestRelay();
    await relay.start();
    receiver = await startReceiver();
    api = {
      open: async () => ({ id: 'ls_test', ws_url: relay.url, token: 'lst_x', secret: SECRET, events: ['*'] }),
      refreshToken: async () => ({ token: 'lst_y' }),
      close: async () => undefined,
    };
  });

  afterEach(async () => {
    await relay.close();
    await receiver.close();
  });

  function options(overrides: Partial<ListenOptions>): ListenOptions {
    return {
      api,
      reporter: captureReporter().reporter,
      forward: new URL(`${receiver.url}/hooks?x=1`),
      routes: [],
      headers: [['X-Extra', 'yes']],
      timeoutMs: 10_000,
      concurrency: 1,
      handleSignals: false,
      ...overrides,
    };
  }

  it('forwards exact bytes in order and reports outcomes', async () => {
    const run = runListen(options({ exitAfter: 20 }));
    await relay.waitForConnections(1);
    const sent = Array.from({ length: 20 }, (_, index) => makeDelivery(index));
    for (const delivery of sent) relay.send(delivery);

    const summary = await run;
    expect(summary.exitCode).toBe(0);
    expect(summary.stats).toEqual({ forwarded: 20, succeeded: 20, failed: 0 });
    expect(receiver.requests.map((request) => request.headers['x-7stamp-delivery-id'])).toEqual(sent.map((delivery) => delivery.delivery_id));
    for (const [index, request] of receiver.requests.entries()) {
      expect(request.body.equals(Buffer.from(sent[index]!.body_base64, 'base64'))).toBe(true);
      expect(request.url).toBe('/hooks?x=1');
      expect(request.headers['x-extra']).toBe('yes');
      expect(verifySignature({ body: request.body, header: request.headers['x-7stamp-signature'], secret: SECRET }).ok).toBe(true);
    }
    await relay.waitForOutcomes(20);
    expect(relay.outcomes.every((outcome) => outcome.status_code === 200 && outcome.error === null)).toBe(true);
  });

  it('answers a replayed attempt without forwarding it again', async () => {
    const run = runListen(options({ exitAfter: 2 }));
    await relay.waitForConnections(1);
    relay.send(makeDelivery(1));
    await relay.waitForOutcomes(1);

    relay.sockets[0]!.terminate();
    await relay.waitForConnections(2);
    relay.send({ ...makeDelivery(1), replay: true });
    await relay.waitForOutcomes(2);
    relay.send(makeDelivery(2));

    const summary = await run;
    expect(summary.stats.forwarded).toBe(2);
    expect(receiver.requests.map((request) => request.headers['x-7stamp-delivery-id'])).toEqual(['dlv_1', 'dlv_2']);
    expect(relay.outcomes[1]).toEqual(relay.outcomes[0]);
  });

  it('forwards a retry with a higher attempt number', async () => {
    const run = runListen(options({ exitAfter: 2 }));
    await relay.waitForConnections(1);
    relay.send(makeDelivery(7, 1));
    relay.send(makeDelivery(7, 2));
    await run;
    expect(receiver.requests.map((request) => request.headers['x-7stamp-attempt'])).toEqual(['1', '2']);
  });

  it('reports a refused connection and keeps running', async () => {
    const captured = captureReporter();
    const closed = await startReceiver();
    const deadUrl = new URL(`${closed.url}/hook`);
    await closed.close();

    const run = runListen(options({ reporter: captured.reporter, forward: deadUrl, exitAfter: 2 }));
    await relay.waitForConnections(1);
    relay.send(makeDelivery(1));
    relay.send(makeDelivery(2));
    const summary = await run;
    captured.reporter.flush();

    expect(summary.exitCode).toBe(1);
    expect(summary.stats.failed).toBe(2);
    await relay.waitForOutcomes(2);
    expect(relay.outcomes[0]!.status_code).toBeNull();
    expect(relay.outcomes[0]!.error).toContain('connection refused: is your app listening on');
    const lines = captured.stdout.map((line) => JSON.parse(line) as { type: string; ok?: boolean });
    expect(lines[0]!.type).toBe('ready');
    expect(lines.slice(1).every((line) => line.type === 'delivery' && line.ok === false)).toBe(true);
  });

  it('shows a 3xx as a redirect that is not followed', async () => {
    const redirecting = await startReceiver((_request, response) => {
      response.writeHead(302, { location: '/elsewhere' }).end();
    });
    try {
      const run = runListen(options({ forward: new URL(redirecting.url), exitAfter: 1 }));
      await relay.waitForConnections(1);
      relay.send(makeDelivery(1));
      const summary = await run;
      expect(summary.exitCode).toBe(1);
      await relay.waitForOutcomes(1);
      expect(relay.outcomes[0]!.status_code).toBe(302);
      expect(relay.outcomes[0]!.error).toBe('redirect to /elsewhere, not followed');
      expect(redirecting.requests).toHaveLength(1);
    } finally {
      await redirecting.close();
    }
  });

  it('prints the 4xx hint once for valid signatures', async () => {
    const rejecting = await startReceiver((_request, response) => {
      response.writeHead(400).end('bad signature');
    });
    const captured = captureReporter();
    try {
      const run = runListen(options({ reporter: captured.reporter, forward: new URL(rejecting.url), exitAfter: 2 }));
      await relay.waitForConnections(1);
      relay.send(makeDelivery(1));
      relay.send(makeDelivery(2));
      await run;
      captured.reporter.flush();
      const deliveries = captured.stdout.map((line) => JSON.parse(line) as { type: string; hint?: string }).filter((line) => line.type === 'delivery');
      expect(deliveries[0]!.hint).toContain('raw body');
      expect(deliveries[1]!.hint).toBeUndefined();
    } finally {
      await rejecting.close();
    }
  });

  it('sends a routed event type elsewhere', async () => {
    const vouchers = await startReceiver();
    try {
      const route = { eventType: 'voucher_redeemed' as const, url: new URL(`${vouchers.url}/vouchers?x=2`) };
      const run = runListen(options({ routes: [route], exitAfter: 2 }));
      await relay.waitForConnections(1);
      relay.send(makeDelivery(1));
      relay.send({ ...makeDelivery(2), event_type: 'voucher_redeemed' });
      await run;
      expect(receiver.requests.map((request) => request.headers['x-7stamp-delivery-id'])).toEqual(['dlv_1']);
      expect(vouchers.requests.map((request) => request.url)).toEqual(['/vouchers?x=2']);
    } finally {
      await vouchers.close();
    }
  });

  it('reaches an app on ::1 through localhost', async () => {
    const ipv6 = await startReceiver(undefined, '::1');
    try {
      const run = runListen(options({ forward: new URL(`http://localhost:${ipv6.port}/v6`), exitAfter: 1 }));
      await relay.waitForConnections(1);
      relay.send(makeDelivery(1));
      const summary = await run;
      expect(summary.exitCode).toBe(0);
      expect(ipv6.requests.map((request) => request.url)).toEqual(['/v6']);
    } finally {
      await ipv6.close();
    }
  });

  it('pauses reading under a burst and loses nothing', async () => {
    const slow = await startReceiver(async (_request, response) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      response.writeHead(200).end();
    });
    try {
      const run = runListen(options({ forward: new URL(slow.url), exitAfter: 400 }));
      await relay.waitForConnections(1);
      const sent = Array.from({ length: 400 }, (_, index) => makeDelivery(index));
      for (const delivery of sent) relay.send(delivery);
      const summary = await run;
      expect(summary.stats.succeeded).toBe(400);
      expect(slow.requests.map((request) => request.headers['x-7stamp-delivery-id'])).toEqual(sent.map((delivery) => delivery.delivery_id));
    } finally {
      await slow.close();
    }
  });

  it('stops at --max-duration with exit 1 when --wait-for never matched', async () => {
    const summary = await runListen(options({ waitFor: 'voucher_redeemed', maxDurationMs: 300 }));
    expect(summary.reason).toBe('max_duration');
    expect(summary.exitCode).toBe(1);
  });
});
