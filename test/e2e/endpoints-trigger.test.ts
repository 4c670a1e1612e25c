import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runApiTrigger } from '../../src/events/api-trigger.js';
import { CliError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox.js';

// runApiTrigger runs in this process, because `trigger` owns the flags that reach it;
// the binary-level path without --wait is covered in endpoints.test.ts.

let sandbox: SandboxProcess;
let okReceiver: Receiver;
let failingReceiver: Receiver;
let savedConfigDir: string | undefined;

beforeAll(async () => {
  [sandbox, okReceiver, failingReceiver] = await Promise.all([
    startSandboxProcess(),
    startReceiver(),
    startReceiver((_request, response) => void response.writeHead(503).end('down')),
  ]);
  savedConfigDir = process.env.STAMP7_CONFIG_DIR;
  process.env.STAMP7_CONFIG_DIR = sandbox.configDir;
});

afterAll(async () => {
  if (savedConfigDir === undefined) delete process.env.STAMP7_CONFIG_DIR;
  else process.env.STAMP7_CONFIG_DIR = savedConfigDir;
  await Promise.all([sandbox?.stop(), okReceiver?.close(), failingReceiver?.close()]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function addEndpoint(url: string, events: string): Promise<string> {
  const result = await runCli(['--json', 'endpoints', 'add', url, '--events', events], { configDir: sandbox.configDir });
  expect(result.exitCode, String(result.stderr)).toBe(0);
  return (JSON.parse(String(result.stdout)) as { id: string }).id;
}

/** Runs runApiTrigger and returns what it wrote to stdout, and the error it threw. */
async function trigger(event: string, extra: Partial<Parameters<typeof runApiTrigger>[0]> = {}): Promise<{ stdout: string; error: unknown }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let error: unknown;
  try {
    await runApiTrigger({ event, json: true, wait: true, profile: 'sandbox', ...extra });
  } catch (caught) {
    error = caught;
  }
  vi.restoreAllMocks();
  return { stdout, error };
}

describe('trigger through the API', () => {
  it('waits for a successful delivery', async () => {
    const endpointId = await addEndpoint(`${okReceiver.url}/ok`, 'card_issued');
    const { stdout, error } = await trigger('card_issued', { set: ['customer.language=de'] });
    expect(error).toBeUndefined();

    const result = JSON.parse(stdout) as { event: { id: string; payload: { customer: { language: string } } }; deliveries: Array<{ endpoint_id: string; status: string }> };
    expect(result.event.id).toMatch(/^evt_/);
    expect(result.event.payload.customer.language).toBe('de');
    expect(result.deliveries).toEqual([expect.objectContaining({ endpoint_id: endpointId, status: 'ok' })]);
    const [request] = await okReceiver.waitFor(1);
    expect(request!.headers['x-7stamp-event-id']).toBe(result.event.id);
  });

  it('exits 1 when a delivery fails', async () => {
    await addEndpoint(`${failingReceiver.url}/down`, 'goal_reached');
    const { stdout, error } = await trigger('goal_reached');
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    const result = JSON.parse(stdout) as { deliveries: Array<{ status: string; last_status_code: number }> };
    expect(result.deliveries[0]!.last_status_code).toBe(503);
  });

  it('rejects flags that only apply to --url', async () => {
    const { error } = await trigger('ping', { secret: ['whsec_x'] });
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toContain('--secret');
  });
});
