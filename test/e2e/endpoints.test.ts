import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

let sandbox: SandboxProcess;
let receiver: Receiver;

beforeAll(async () => {
  [sandbox, receiver] = await Promise.all([startSandboxProcess(), startReceiver()]);
});

afterAll(async () => {
  await Promise.all([sandbox?.stop(), receiver?.close()]);
});

/** Runs stamp7 against the sandbox through its recorded profile, as a user with no login would. */
function stamp7(args: string[]) {
  return runCli(args, { configDir: sandbox.configDir });
}

async function json<T>(args: string[]): Promise<T> {
  const result = await stamp7(['--json', ...args]);
  expect(result.exitCode, `stamp7 ${args.join(' ')}: ${String(result.stderr)}`).toBe(0);
  return JSON.parse(String(result.stdout)) as T;
}

interface EndpointJson {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  secret?: string;
  secret_hint: string;
  previous_secret_expires_at?: string | null;
}

describe('endpoints', () => {
  it('goes through the whole life of an endpoint', async () => {
    const url = `${receiver.url}/hooks`;

    // add: the secret is shown once in full
    const added = await json<EndpointJson>(['endpoints', 'add', url, '--events', 'voucher_redeemed,birthday', '--description', 'crm']);
    expect(added.id).toMatch(/^we_/);
    expect(added.events).toEqual(['voucher_redeemed', 'birthday_reached']);
    expect(added.secret).toMatch(/^whsec_/);
    const firstSecret = added.secret!;

    // list: masked only
    const listed = await stamp7(['endpoints', 'list']);
    expect(listed.exitCode).toBe(0);
    expect(String(listed.stdout)).toContain(added.id);
    expect(String(listed.stdout)).not.toContain(firstSecret);
    const listedJson = await json<{ data: EndpointJson[] }>(['endpoints', 'list']);
    expect(listedJson.data.map((endpoint) => endpoint.id)).toContain(added.id);

    // show: masked unless --reveal-secret
    const shown = await stamp7(['endpoints', 'show', added.id]);
    expect(String(shown.stdout)).toContain(added.secret_hint);
    expect(String(shown.stdout)).not.toContain(firstSecret);
    const revealed = await json<EndpointJson>(['endpoints', 'show', added.id, '--reveal-secret']);
    expect(revealed.secret).toBe(firstSecret);

    // update, disable, enable
    const updated = await json<EndpointJson>(['endpoints', 'update', added.id, '--events', 'ping,stamp_added', '--description', 'crm sync']);
    expect(updated.events).toEqual(['ping', 'stamp_added']);
    expect(updated.description).toBe('crm sync');
    expect((await json<EndpointJson>(['endpoints', 'disable', added.id])).enabled).toBe(false);
    expect((await json<EndpointJson>(['endpoints', 'enable', added.id])).enabled).toBe(true);

    // rotate-secret with a grace period
    const before = Date.now();
    const rotated = await json<EndpointJson>(['endpoints', 'rotate-secret', added.id, '--grace', '1h']);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(firstSecret);
    const expiresMs = Date.parse(rotated.previous_secret_expires_at ?? '');
    expect(expiresMs - before).toBeGreaterThan(3_500_000);
    expect(expiresMs - before).toBeLessThan(3_700_000);

    // ping: the receiver gets it, signed with both secrets during the grace period
    const ping = await stamp7(['endpoints', 'ping', added.id]);
    expect(ping.exitCode, String(ping.stderr)).toBe(0);
    expect(String(ping.stdout)).toMatch(/ping\s+evt_\S+.*POST .*\/hooks.*200 OK/);
    const [request] = await receiver.waitFor(1);
    expect(request!.headers['x-7stamp-event']).toBe('ping');
    expect(String(request!.headers['x-7stamp-signature']).match(/v1=/g)).toHaveLength(2);

    // remove needs --yes without a TTY, then the id is gone
    const refused = await stamp7(['endpoints', 'remove', added.id]);
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toContain('--yes');
    const removed = await json<{ id: string; deleted: boolean }>(['endpoints', 'remove', added.id, '--yes']);
    expect(removed).toEqual({ id: added.id, deleted: true });
    const gone = await stamp7(['endpoints', 'show', added.id]);
    expect(gone.exitCode).toBe(5);
    expect(String(gone.stderr)).toContain(added.id);
  });

  it('rejects plain http to a public host', async () => {
    const result = await stamp7(['endpoints', 'add', 'http://example.com/hooks', '--events', 'all']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('https://');
    expect(String(result.stderr)).toContain('localhost');
  });

  it('rejects an unknown event type with a suggestion', async () => {
    const result = await stamp7(['endpoints', 'add', `${receiver.url}/x`, '--events', 'voucher_redeemd']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('voucher_redeemed');
  });

  it('reports a failed ping with exit 1', async () => {
    const failing = await startReceiver((_request, response) => void response.writeHead(500).end('nope'));
    try {
      const added = await json<EndpointJson>(['endpoints', 'add', `${failing.url}/hooks`, '--events', 'ping']);
      const result = await stamp7(['--json', 'endpoints', 'ping', added.id]);
      expect(result.exitCode).toBe(1);
      const parsed = JSON.parse(String(result.stdout)) as { delivery: { last_status_code: number } };
      expect(parsed.delivery.last_status_code).toBe(500);
      await json(['endpoints', 'remove', added.id, '--yes']);
    } finally {
      await failing.close();
    }
  });
});

describe('events and deliveries', () => {
  it('lists, shows and resends an event', async () => {
    const added = await json<EndpointJson>(['endpoints', 'add', `${receiver.url}/events`, '--events', 'stamp_added']);
    const start = receiver.requests.length;

    const created = await stamp7(['trigger', 'stamp_added']);
    expect(created.exitCode, String(created.stderr)).toBe(0);
    const eventId = String(created.stdout).trim();
    expect(eventId).toMatch(/^evt_/);
    await receiver.waitFor(start + 1);

    const listed = await json<{ data: Array<{ id: string; type: string }> }>(['events', 'list', '--type', 'stamp_added', '--since', '10m', '--limit', '5']);
    expect(listed.data.map((event) => event.id)).toContain(eventId);
    expect(listed.data.every((event) => event.type === 'stamp_added')).toBe(true);

    const shown = await stamp7(['events', 'show', eventId]);
    expect(shown.exitCode).toBe(0);
    const body = JSON.parse(String(shown.stdout)) as { id: string; event: string };
    expect(body.id).toBe(eventId);
    expect(body.event).toBe('stamp_added');

    const resent = await json<{ deliveries: Array<{ id: string; endpoint_id: string }> }>(['events', 'resend', eventId, '--endpoint', added.id]);
    expect(resent.deliveries).toHaveLength(1);
    expect(resent.deliveries[0]!.endpoint_id).toBe(added.id);
    await receiver.waitFor(start + 2);

    const shownJson = await json<{ id: string; type: string; payload: { id: string } }>(['events', 'show', eventId]);
    expect(shownJson.type).toBe('stamp_added');
    expect(shownJson.payload.id).toBe(eventId);

    // The receiver gets a request before the sandbox records its attempt, so poll for the record.
    type DeliveryList = { data: Array<{ id: string; event_id: string; status: string; attempt_count: number }> };
    const deadline = Date.now() + 10_000;
    let deliveries = await json<DeliveryList>(['deliveries', 'list', '--event', eventId]);
    while (deliveries.data.some((delivery) => delivery.status !== 'ok') && Date.now() < deadline) {
      deliveries = await json<DeliveryList>(['deliveries', 'list', '--event', eventId]);
    }
    expect(deliveries.data).toHaveLength(2);
    expect(deliveries.data.map((delivery) => delivery.status)).toEqual(['ok', 'ok']);
    const oneDelivery = await json<{ id: string; attempts: Array<{ number: number; status_code: number }> }>(['deliveries', 'show', deliveries.data[0]!.id]);
    expect(oneDelivery.attempts[0]!.number).toBe(1);
    expect(oneDelivery.attempts[0]!.status_code).toBe(200);
    const table = await stamp7(['deliveries', 'list', '--endpoint', added.id, '--status', 'ok']);
    expect(String(table.stdout)).toMatch(/ATTEMPTS\s+LAST\s+DURATION\s+NEXT RETRY/);
    expect(String(table.stdout)).toContain(eventId);

    await json(['endpoints', 'remove', added.id, '--yes']);
  });

  it('rejects an invalid --status', async () => {
    const result = await stamp7(['deliveries', 'list', '--status', 'broken']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('pending, ok, failed');
  });
});
