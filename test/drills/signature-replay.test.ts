import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSignature, DEFAULT_TOLERANCE_SECONDS, verifySignature } from '../../src/signing/index.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Forged and replayed deliveries. A v1 of the wrong length and a v1 of the right length but
 * the wrong value both fail, because crypto.timingSafeEqual runs only on equal lengths. A
 * captured delivery played again outside the 300 s tolerance fails, in the library and in
 * `stamp7 verify`.
 */

const SECRET = 'whsec_signature_replay_drill';
let receiver: Receiver;
let work: { dir: string; cleanup: () => void };

beforeAll(async () => {
  receiver = await startReceiver();
  work = tempConfigDir();
});

afterAll(async () => {
  await receiver?.close();
  work?.cleanup();
});

describe('forged v1 values', () => {
  const body = Buffer.from('{"id":"evt_forged","event":"ping"}');
  const t = 1_778_502_896;
  const now = () => t * 1000;
  const good = computeSignature(SECRET, t, body);

  it('rejects wrong lengths without throwing', () => {
    for (const v1 of ['', 'a', good.slice(0, 63), `${good}0`, `${good}${good}`, good.slice(0, 32)]) {
      const result = verifySignature({ body, header: `t=${t},v1=${v1}`, secret: SECRET, now });
      expect(result, `length ${v1.length}`).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    }
  });

  it('rejects right-length wrong values', () => {
    const wrongLast = good.slice(0, 63) + (good[63] === '0' ? '1' : '0');
    for (const v1 of ['0'.repeat(64), wrongLast, computeSignature('whsec_other', t, body), 'g'.repeat(64), good.toUpperCase().replace(/[0-9]/g, 'Z')]) {
      const result = verifySignature({ body, header: `t=${t},v1=${v1}`, secret: SECRET, now });
      expect(result, v1).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    }
    expect(verifySignature({ body, header: `t=${t},v1=${good.toUpperCase()}`, secret: SECRET, now }).ok).toBe(true);
  });
});

describe('replayed deliveries', () => {
  it('fail once outside the tolerance', async () => {
    const result = await runCli(['trigger', 'voucher_redeemed', '--url', `${receiver.url}/replay`, '--secret', SECRET], { configDir: work.dir });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const captured = receiver.requests.at(-1)!;
    const header = String(captured.headers['x-7stamp-signature']);
    const t = Number(/t=(\d+)/.exec(header)![1]);

    const at = (offsetSeconds: number) => verifySignature({ body: captured.body, header, secret: SECRET, now: () => (t + offsetSeconds) * 1000 });
    expect(at(0).ok).toBe(true);
    expect(at(DEFAULT_TOLERANCE_SECONDS).ok).toBe(true);
    expect(at(DEFAULT_TOLERANCE_SECONDS + 1)).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
    expect(at(-DEFAULT_TOLERANCE_SECONDS - 1)).toMatchObject({ ok: false, reason: 'timestamp_in_future' });
    expect(at(86_400)).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
  });

  it('fail in stamp7 verify', async () => {
    const bodyFile = join(work.dir, 'captured.json');
    writeFileSync(bodyFile, '{"id":"evt_replayed","event":"ping"}');
    const nowSeconds = Math.floor(Date.now() / 1000);
    const cases: Array<[number, number, RegExp]> = [
      [nowSeconds - 10, 0, /valid/],
      [nowSeconds - 301 - 5, 1, /old/],
      [nowSeconds + 301 + 5, 1, /future/],
    ];
    for (const [timestamp, exitCode, text] of cases) {
      const signed = await runCli(['sign', bodyFile, '--secret', SECRET, '--timestamp', String(timestamp)], { configDir: work.dir });
      const header = String(signed.stdout).trim().replace(/^X-7stamp-Signature:\s*/i, '');
      const verified = await runCli(['verify', bodyFile, '--header', header, '--secret', SECRET], { configDir: work.dir });
      expect(verified.exitCode, `t=${timestamp}: ${String(verified.stderr)}`).toBe(exitCode);
      expect(String(verified.stdout) + String(verified.stderr), `t=${timestamp}`).toMatch(text);
    }
  });
});
