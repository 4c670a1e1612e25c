import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';

const SECRET = 'whsec_signVerifyE2E';
const BODY = Buffer.from('{"id":"evt_sv1","event":"voucher_redeemed","customer":{"name":"山田 花子"},"note":"\\/ \\u2028 🎫"}', 'utf8');

interface Vector {
  name: string;
  secret: string;
  t: number;
  body_base64: string;
  header: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/signature-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const opensslFound = (await execa('openssl', ['version'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0;

let config: ReturnType<typeof tempConfigDir>;
let bodyFile: string;

beforeAll(() => {
  config = tempConfigDir();
  bodyFile = join(config.dir, 'body.json');
  writeFileSync(bodyFile, BODY);
});

afterAll(() => config.cleanup());

const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(args, { configDir: config.dir, ...options });
const nowSeconds = () => Math.floor(Date.now() / 1000);

function hmacHex(secret: string, t: number, body: Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.`).update(body).digest('hex');
}

describe('stamp7 sign', () => {
  it('prints the header for a file', async () => {
    const result = await cli(['sign', bodyFile, '--secret', SECRET, '--timestamp', '1778502896']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`X-7stamp-Signature: t=1778502896,v1=${hmacHex(SECRET, 1778502896, BODY)}`);
  });

  it('signs stdin with two secrets', async () => {
    const result = await cli(['sign', '--secret', SECRET, '--secret', 'whsec_old', '--timestamp', '1800000000', '--json'], { input: BODY });
    const parsed = JSON.parse(result.stdout) as { value: string; timestamp: number; body_bytes: number };
    expect(parsed.value).toBe(`t=1800000000,v1=${hmacHex(SECRET, 1800000000, BODY)},v1=${hmacHex('whsec_old', 1800000000, BODY)}`);
    expect(parsed.timestamp).toBe(1800000000);
    expect(parsed.body_bytes).toBe(BODY.length);
  });

  const vector = vectors.find((entry) => entry.name.includes('non-ascii')) ?? vectors[0]!;
  it.skipIf(!opensslFound)(`matches openssl dgst -hmac at test time${opensslFound ? '' : ' (skipped: no openssl binary on PATH)'}`, async () => {
    const body = Buffer.from(vector.body_base64, 'base64');
    const file = join(config.dir, 'vector.json');
    writeFileSync(file, body);
    const openssl = await execa('openssl', ['dgst', '-sha256', '-hmac', vector.secret], { input: Buffer.concat([Buffer.from(`${vector.t}.`), body]) });
    const expected = /([0-9a-f]{64})\s*$/.exec(openssl.stdout)?.[1];
    expect(expected).toBeDefined();
    const result = await cli(['sign', file, '--secret', vector.secret, '--timestamp', String(vector.t)]);
    expect(result.stdout).toBe(`X-7stamp-Signature: t=${vector.t},v1=${expected}`);
  });

  it('rejects an empty secret and a bad timestamp', async () => {
    const empty = await cli(['sign', bodyFile, '--secret', '']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/^error: the secret from --secret is empty\nhint: /);
    const badTime = await cli(['sign', bodyFile, '--secret', SECRET, '--timestamp', 'yesterday']);
    expect(badTime.exitCode).toBe(2);
    expect(badTime.stderr).toContain('invalid --timestamp');
  });
});

describe('stamp7 verify', () => {
  const header = (t = nowSeconds(), secret = SECRET, body = BODY) => `t=${t},v1=${hmacHex(secret, t, body)}`;

  it('accepts a valid capture', async () => {
    const result = await cli(['verify', bodyFile, '--header', `X-7stamp-Signature: ${header()}`, '--secret', SECRET]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^valid: signed \d+ s ago$/);
  });

  it('explains the usual failures', async () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 2));
    const cases: Array<{ args: string[]; input?: Buffer; text: RegExp }> = [
      { args: ['verify', '--header', header(), '--secret', SECRET], input: pretty, text: /the body was re-serialised/ },
      { args: ['verify', bodyFile, '--header', header(), '--secret', ` ${SECRET}\n`], text: /the secret has surrounding whitespace/ },
      { args: ['verify', bodyFile, '--header', header(nowSeconds() - 412), '--secret', SECRET], text: /timestamp is 4[1-4][0-9] s old/ },
      { args: ['verify', bodyFile, '--header', header(), '--secret', 'whsec_somethingElse'], text: /signed with another secret/ },
      { args: ['verify', bodyFile, '--header', 't=abc', '--secret', SECRET], text: /not a Unix time/ },
    ];
    const results = await Promise.all(cases.map((entry) => cli(entry.args, entry.input ? { input: entry.input } : {})));
    for (const [index, result] of results.entries()) {
      expect(result.exitCode, cases[index]!.text.source).toBe(1);
      expect(result.stderr).toMatch(cases[index]!.text);
      expect(result.stderr).toMatch(/^error: invalid signature: .+\nhint: .+$/);
    }
  });

  it('honours --tolerance', async () => {
    const old = header(nowSeconds() - 3600);
    const result = await cli(['verify', bodyFile, '--header', old, '--secret', SECRET, '--tolerance', '0']);
    expect(result.exitCode).toBe(0);
    const wide = await cli(['verify', bodyFile, '--header', old, '--secret', SECRET, '--tolerance', '2h']);
    expect(wide.exitCode).toBe(0);
  });

  it('prints JSON with --json', async () => {
    const result = await cli(['verify', bodyFile, '--header', header(nowSeconds() - 412), '--secret', SECRET, '--json']);
    expect(result.exitCode).toBe(1);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({ ok: false, reason: 'timestamp_too_old', cause: 'timestamp_only', tolerance_seconds: 300 });
    expect(parsed.age_seconds).toBeGreaterThanOrEqual(412);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { exit_code: 1 } });
  });

  it('verifies a header from sign', async () => {
    const signed = await cli(['sign', bodyFile]);
    expect(signed.exitCode).toBe(0);
    const result = await cli(['verify', bodyFile, '--header', signed.stdout]);
    expect(result.exitCode).toBe(0);
  });
});
