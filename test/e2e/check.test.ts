import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { correctResponder, naiveResponder, redirectResponder, reserialisingResponder, throwingResponder } from '../fixtures/check/receivers.js';
import { findAll, parseXml } from '../fixtures/check/xml.js';

const SECRET = 'whsec_check_e2e_secret_0123456789';
const FORGED_IDS = [
  'forged.tampered_body',
  'forged.wrong_secret',
  'forged.missing_signature',
  'forged.malformed_header',
  'forged.short_v1',
  'forged.stale_timestamp',
  'forged.future_timestamp',
];

interface CaseJson {
  id: string;
  group: string;
  expect: string;
  result: 'pass' | 'warn' | 'fail';
  reason: string;
  fix: string | null;
  requests: Array<{ status_code: number | null; duration_ms: number; error: string | null; redirect_location: string | null }>;
}

interface CheckJson {
  url: string;
  ok: boolean;
  summary: { total: number; passed: number; warnings: number; failed: number };
  cases: CaseJson[];
}

async function checkJson(url: string, ...extra: string[]): Promise<{ exitCode: number | undefined; document: CheckJson; stderr: string }> {
  const result = await runCli(['check', url, '--secret', SECRET, '--json', ...extra]);
  if (String(result.stdout) === '') throw new Error(`stamp7 check printed no JSON (exit ${result.exitCode}): ${String(result.stderr)}`);
  return { exitCode: result.exitCode, document: JSON.parse(String(result.stdout)) as CheckJson, stderr: String(result.stderr) };
}

function byId(document: CheckJson, id: string): CaseJson {
  const found = document.cases.find((item) => item.id === id);
  if (!found) throw new Error(`no case ${id} in ${document.cases.map((item) => item.id).join(', ')}`);
  return found;
}

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

describe('check against a correct receiver', () => {
  let receiver: Receiver;
  const temp = tempConfigDir();
  beforeAll(async () => {
    receiver = await startReceiver(correctResponder(SECRET));
  });
  afterAll(async () => {
    await receiver.close();
    temp.cleanup();
  });

  it('passes every case and exits 0', async () => {
    const { exitCode, document } = await checkJson(`${receiver.url}/hook`);
    expect(exitCode).toBe(0);
    expect(document.ok).toBe(true);
    expect(document.summary.failed).toBe(0);
    expect(document.cases.filter((item) => item.result !== 'pass')).toEqual([]);
    expect(document.cases.filter((item) => item.id.startsWith('delivery.'))).toHaveLength(14);
    for (const id of [...FORGED_IDS, 'rotation.unknown_then_valid_v1', 'idempotency.same_event_twice', 'body.non_ascii', 'body.pretty_printed', 'transport.response_time', 'transport.no_redirect']) {
      expect(byId(document, id).result).toBe('pass');
    }
    expect(byId(document, 'forged.tampered_body').requests[0]!.status_code).toBe(401);
    expect(byId(document, 'idempotency.same_event_twice').requests).toHaveLength(2);
  });

  it('sends the contract headers and a valid signature', async () => {
    receiver.requests.length = 0;
    const { exitCode } = await checkJson(receiver.url, '--events', 'voucher_redeemed');
    expect(exitCode).toBe(0);
    const delivery = receiver.requests.find((request) => request.headers['x-7stamp-event'] === 'voucher_redeemed' && request.headers['x-7stamp-attempt'] === '1');
    expect(delivery).toBeDefined();
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['user-agent']).toBe('7stamp-Webhooks/1.0');
    expect(delivery!.headers['x-7stamp-event-id']).toMatch(/^evt_/);
    expect(delivery!.headers['x-7stamp-delivery-id']).toMatch(/^dlv_/);
    expect(delivery!.headers['x-7stamp-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const retries = receiver.requests.filter((request) => request.headers['x-7stamp-attempt'] === '2');
    expect(retries).toHaveLength(1);
    const firstOfRetry = receiver.requests.find(
      (request) => request.headers['x-7stamp-event-id'] === retries[0]!.headers['x-7stamp-event-id'] && request.headers['x-7stamp-attempt'] === '1',
    );
    expect(firstOfRetry!.headers['x-7stamp-delivery-id']).toBe(retries[0]!.headers['x-7stamp-delivery-id']);
    expect(firstOfRetry!.body.equals(retries[0]!.body)).toBe(true);
  });

  it('limits deliveries to --events', async () => {
    const { exitCode, document } = await checkJson(receiver.url, '--events', 'birthday,stamp_added');
    expect(exitCode).toBe(0);
    expect(document.cases.filter((item) => item.group === 'delivery').map((item) => item.id)).toEqual(['delivery.stamp_added', 'delivery.birthday_reached']);
  });

  it('writes a JUnit report that parses', async () => {
    const file = join(temp.dir, 'reports', 'check.xml');
    const result = await runCli(['check', receiver.url, '--secret', SECRET, '--junit', file]);
    expect(result.exitCode).toBe(0);
    const root = parseXml(readFileSync(file, 'utf8'));
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites).toHaveLength(1);
    const testcases = findAll(root, 'testcase');
    expect(testcases).toHaveLength(27);
    expect(suites[0]!.attributes.tests).toBe('27');
    expect(suites[0]!.attributes.failures).toBe('0');
    expect(findAll(root, 'failure')).toHaveLength(0);
    expect(testcases.every((testcase) => /^\d+\.\d{3}$/.test(testcase.attributes.time ?? ''))).toBe(true);
  });

  it('prints one line per case without --json', async () => {
    const result = await runCli(['check', receiver.url, '--events', 'ping'], { env: { STAMP7_WEBHOOK_SECRET: SECRET } });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lines = String(result.stdout).trim().split('\n');
    expect(lines[0]).toMatch(/^pass delivery\.ping: accepted with 200 in \d+ ms$/);
    expect(lines.at(-1)).toMatch(/^14 cases against http:\/\/127\.0\.0\.1:\d+\/: 14 passed, 0 failed in \d+ ms$/);
    expect(String(result.stdout)).not.toContain(SECRET);
    expect(String(result.stderr)).not.toContain(SECRET);
  });
});

describe('check against broken receivers', () => {
  it('fails every forged case on a receiver that verifies nothing', async () => {
    const receiver = await startReceiver(naiveResponder);
    receivers.push(receiver);
    const { exitCode, document, stderr } = await checkJson(receiver.url);
    expect(exitCode).toBe(1);
    expect(document.ok).toBe(false);
    expect(document.summary.failed).toBe(FORGED_IDS.length);
    for (const id of FORGED_IDS) {
      const item = byId(document, id);
      expect(item.result, id).toBe('fail');
      expect(item.reason, id).toMatch(/^your endpoint accepts forged deliveries: .+ \(200\)$/);
      expect(item.fix, id).toBeTruthy();
    }
    expect(byId(document, 'forged.stale_timestamp').reason).toContain('signed 10 minutes ago');
    expect(byId(document, 'forged.short_v1').reason).toContain('truncated v1');
    expect(byId(document, 'body.non_ascii').result).toBe('pass');
    expect(JSON.parse(stderr).error.code).toBe('check_failed');
  });

  it('fails the body cases on a receiver that re-serialises', async () => {
    const receiver = await startReceiver(reserialisingResponder(SECRET));
    receivers.push(receiver);
    const { exitCode, document } = await checkJson(receiver.url);
    expect(exitCode).toBe(1);
    const failed = document.cases.filter((item) => item.result === 'fail').map((item) => item.id);
    expect(failed).toEqual(['body.non_ascii', 'body.pretty_printed']);
    for (const id of failed) {
      expect(byId(document, id).reason).toContain('re-serialised body');
      expect(byId(document, id).reason).toMatch(/\(400\)$/);
      expect(byId(document, id).fix).toContain('raw request bytes');
    }
  });

  it('explains a 5xx rejection and a replayed timestamp', async () => {
    const receiver = await startReceiver(throwingResponder(SECRET));
    receivers.push(receiver);
    const { exitCode, document } = await checkJson(receiver.url, '--events', 'ping');
    expect(exitCode).toBe(1);
    const short = byId(document, 'forged.short_v1');
    expect(short.result).toBe('fail');
    expect(short.reason).toBe('rejected with 500 instead of a 4xx: the platform retries 5xx responses for 24 hours, so a rejection should be a 4xx');
    expect(short.fix).toContain('timingSafeEqual throws a RangeError');
    expect(byId(document, 'forged.missing_signature').reason).toContain('instead of a 4xx');
    expect(byId(document, 'forged.stale_timestamp').reason).toContain('accepts forged deliveries');
    expect(byId(document, 'delivery.ping').result).toBe('pass');
  });

  it('fails every case of a redirecting receiver', async () => {
    const receiver = await startReceiver(redirectResponder('https://example.invalid/hook'));
    receivers.push(receiver);
    const { exitCode, document } = await checkJson(receiver.url, '--events', 'ping');
    expect(exitCode).toBe(1);
    const redirect = byId(document, 'transport.no_redirect');
    expect(redirect.result).toBe('fail');
    expect(redirect.reason).toContain('does not follow redirects');
    expect(redirect.fix).toContain('https://example.invalid/hook');
    const delivery = byId(document, 'delivery.ping');
    expect(delivery.reason).toBe('responded with a 301 redirect to https://example.invalid/hook: the platform does not follow redirects, so every delivery would fail and be retried for 24 hours');
    expect(delivery.requests[0]!.redirect_location).toBe('https://example.invalid/hook');
  });

  it('warns on 202 and still exits 0', async () => {
    const receiver = await startReceiver(correctResponder(SECRET, 202));
    receivers.push(receiver);
    const { exitCode, document } = await checkJson(receiver.url, '--events', 'ping');
    expect(exitCode).toBe(0);
    expect(document.ok).toBe(true);
    const delivery = byId(document, 'delivery.ping');
    expect(delivery.result).toBe('warn');
    expect(delivery.reason).toMatch(/^accepted with 202 in \d+ ms; any 2xx counts as success/);
    const accepting = ['delivery.ping', 'rotation.unknown_then_valid_v1', 'idempotency.same_event_twice', 'body.non_ascii', 'body.pretty_printed'];
    expect(document.cases.filter((item) => item.result === 'warn').map((item) => item.id)).toEqual(accepting);
    expect(document.summary.warnings).toBe(accepting.length);
  });

  it('escapes failures in the JUnit report', async () => {
    const receiver = await startReceiver(redirectResponder('https://example.invalid/a?b=1&c="<2>"'));
    receivers.push(receiver);
    const temp = tempConfigDir();
    try {
      const file = join(temp.dir, 'check.xml');
      const result = await runCli(['check', receiver.url, '--secret', SECRET, '--events', 'ping', '--junit', file]);
      expect(result.exitCode).toBe(1);
      const root = parseXml(readFileSync(file, 'utf8'));
      const failures = findAll(root, 'failure');
      expect(failures).toHaveLength(Number(root.attributes.failures));
      expect(failures.length).toBeGreaterThan(10);
      const redirect = failures.find((failure) => failure.attributes.type === 'transport.no_redirect');
      expect(redirect!.attributes.message).toContain('https://example.invalid/a?b=1&c="<2>"');
      expect(redirect!.text).toContain('fix: register the final URL (https://example.invalid/a?b=1&c="<2>")');
    } finally {
      temp.cleanup();
    }
  });
});

describe('check input and reachability', () => {
  it('exits 6 when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const result = await runCli(['check', `http://127.0.0.1:${port}/hook`, '--secret', SECRET]);
    expect(result.exitCode).toBe(6);
    expect(String(result.stderr)).toContain(`connection refused: is your app listening on 127.0.0.1:${port}?`);
    expect(String(result.stdout)).toBe('');
  });

  it('rejects a missing or empty secret', async () => {
    const missing = await runCli(['check', 'http://127.0.0.1:9/hook']);
    expect(missing.exitCode).toBe(2);
    expect(String(missing.stderr)).toContain('missing webhook secret');
    const empty = await runCli(['check', 'http://127.0.0.1:9/hook', '--secret', '']);
    expect(empty.exitCode).toBe(2);
    expect(String(empty.stderr)).toContain('invalid webhook secret: it is empty');
  });

  it('rejects bad URLs, event types and timeouts', async () => {
    const url = await runCli(['check', 'ftp://127.0.0.1/hook', '--secret', SECRET]);
    expect(url.exitCode).toBe(2);
    expect(String(url.stderr)).toContain('the scheme must be http or https');
    const events = await runCli(['check', 'http://127.0.0.1:9/hook', '--secret', SECRET, '--events', 'voucher_redemed']);
    expect(events.exitCode).toBe(2);
    expect(String(events.stderr)).toContain('unknown event type "voucher_redemed"');
    expect(String(events.stderr)).toContain('did you mean voucher_redeemed?');
    const timeout = await runCli(['check', 'http://127.0.0.1:9/hook', '--secret', SECRET, '--timeout', 'soon']);
    expect(timeout.exitCode).toBe(2);
    expect(String(timeout.stderr)).toContain('invalid --timeout "soon"');
  });
});

describe('check with a secret the app does not use', () => {
  it('blames the secret, not the body', async () => {
    const receiver = await startReceiver(correctResponder('whsec_the_app_uses_another_one'));
    try {
      const { exitCode, document } = await checkJson(receiver.url, '--events', 'ping');
      expect(exitCode).toBe(1);
      for (const id of ['delivery.ping', 'rotation.unknown_then_valid_v1', 'idempotency.same_event_twice', 'body.non_ascii', 'body.pretty_printed']) {
        expect(byId(document, id).result, id).toBe('fail');
        expect(byId(document, id).reason, id).toContain('probably differs from the one your app verifies with');
      }
      expect(document.cases.filter((item) => item.group === 'forged').every((item) => item.result === 'pass')).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
