import { describe, expect, it } from 'vitest';
import { computeSignature, parseSignatureHeader, signPayload, verifySignature } from '../../src/signing/index.js';
import { forAll, type Random } from '../helpers/random.js';

const REASONS = new Set(['missing_header', 'malformed_header', 'no_v1_signature', 'timestamp_too_old', 'timestamp_in_future', 'no_matching_signature']);
const HEX = '0123456789abcdef';
const NOW_MS = 1_778_502_896_000;
const NOW_S = NOW_MS / 1000;

/** Builds a header from plausible and hostile parts: real keys, odd keys, odd separators. */
function randomHeader(random: Random): string {
  const parts: string[] = [];
  const count = random.int(0, 6);
  for (let index = 0; index < count; index++) {
    const key = random.pick(['t', 'v1', 'v0', 'v2', 'T', ' t ', '', '=', 'v1 ', random.unicode(4)]);
    const value = random.pick([
      String(random.int(0, 2 ** 31)),
      random.string(HEX, 64),
      random.string(HEX, random.int(0, 130)),
      random.unicode(20),
      '-1',
      '1e9',
      '9'.repeat(random.int(1, 40)),
      '',
    ]);
    parts.push(random.chance(0.1) ? `${key}${value}` : `${key}=${value}`);
  }
  return parts.join(random.pick([',', ', ', ',,', ';']));
}

describe('signature header parser', () => {
  it('never throws on random headers', () => {
    forAll(5_000, (random) => {
      const header = randomHeader(random);
      const parsed = parseSignatureHeader(header);
      if (parsed.ok) {
        expect(Number.isSafeInteger(parsed.header.timestamp), header).toBe(true);
        expect(parsed.header.signatures.length, header).toBeGreaterThan(0);
      } else {
        expect(REASONS.has(parsed.reason), header).toBe(true);
        expect(parsed.message.length, header).toBeGreaterThan(0);
      }
    });
  });

  it('rejects random headers with a reason', () => {
    forAll(3_000, (random) => {
      const header = random.chance(0.5) ? randomHeader(random) : random.unicode(200);
      const result = verifySignature({ body: random.bytes(random.int(0, 64)), header, secret: 'whsec_fuzz', now: () => NOW_MS });
      expect(result.ok, header).toBe(false);
      if (!result.ok) expect(REASONS.has(result.reason), header).toBe(true);
    });
  });

  it('keeps messages short for huge parts', () => {
    const huge = `t=${'9'.repeat(200_000)},v1=${'a'.repeat(500_000)}`;
    const started = performance.now();
    const parsed = parseSignatureHeader(huge);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeLessThan(200);
  });

  it('parses array and empty forms', () => {
    expect(parseSignatureHeader(undefined)).toMatchObject({ ok: false, reason: 'missing_header' });
    expect(parseSignatureHeader(null)).toMatchObject({ ok: false, reason: 'missing_header' });
    expect(parseSignatureHeader([])).toMatchObject({ ok: false, reason: 'missing_header' });
    expect(parseSignatureHeader(['t=1', 'v1=ab'])).toMatchObject({ ok: true, header: { timestamp: 1, signatures: ['ab'] } });
  });
});

describe('sign and verify round trip', () => {
  it('verifies with every rotation secret', () => {
    forAll(500, (random) => {
      const body = random.bytes(random.int(0, 512));
      const secrets = Array.from({ length: random.int(1, 3) }, () => `whsec_${random.string(HEX, random.int(1, 40))}`);
      const timestamp = NOW_S - random.int(-300, 300);
      const header = signPayload(body, secrets, { timestamp });

      const parsed = parseSignatureHeader(header);
      expect(parsed).toMatchObject({ ok: true, header: { timestamp, signatures: expect.any(Array) } });
      for (const [index, secret] of secrets.entries()) {
        const result = verifySignature({ body, header, secret, now: () => NOW_MS });
        expect(result, `secret ${index}`).toMatchObject({ ok: true });
      }
    });
  });

  it('tolerates spaces and unknown schemes', () => {
    forAll(300, (random) => {
      const body = Buffer.from(random.unicode(100), 'utf8');
      const secret = `whsec_${random.string(HEX, 24)}`;
      const v1 = computeSignature(secret, NOW_S, body);
      const parts = [`t=${NOW_S}`, `v1=${v1}`, `v0=${random.string(HEX, 64)}`, `v2=${random.unicode(10).replace(/,/g, '')}`];
      const shuffled = parts.sort(() => random.next() - 0.5).map((part) => (random.chance(0.5) ? ` ${part} ` : part));
      const header = shuffled.join(',');
      expect(verifySignature({ body, header, secret, now: () => NOW_MS }), header).toMatchObject({ ok: true });
    });
  });

  it('rejects any single-byte change', () => {
    forAll(500, (random) => {
      const body = random.bytes(random.int(1, 256));
      const secret = `whsec_${random.string(HEX, 24)}`;
      const header = signPayload(body, secret, { timestamp: NOW_S });
      const tampered = Buffer.from(body);
      const position = random.int(0, tampered.length - 1);
      tampered[position] = (tampered[position]! + random.int(1, 255)) % 256;
      const result = verifySignature({ body: tampered, header, secret, now: () => NOW_MS });
      expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    });
  });

  it('rejects any change to the signature', () => {
    forAll(500, (random) => {
      const body = random.bytes(random.int(0, 128));
      const secret = `whsec_${random.string(HEX, 24)}`;
      const v1 = computeSignature(secret, NOW_S, body);
      const position = random.int(0, v1.length - 1);
      const replacement = HEX.replace(v1[position]!, '')[random.int(0, 14)]!;
      const changed = v1.slice(0, position) + replacement + v1.slice(position + 1);
      const header = `t=${NOW_S},v1=${changed}`;
      expect(verifySignature({ body, header, secret, now: () => NOW_MS })).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    });
  });
});
