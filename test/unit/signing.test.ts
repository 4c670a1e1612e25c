import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { constructEvent, parseSignatureHeader, signPayload, SignatureVerificationError, verifySignature } from '../../src/signing/index.js';

interface Vector {
  name: string;
  secret: string;
  other_secret?: string;
  t: number;
  body_base64: string;
  header: string;
}

// Signatures computed with `openssl dgst -sha256 -hmac`, not with this code.
const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/signature-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

describe('signing vectors', () => {
  for (const vector of vectors) {
    it(`signs "${vector.name}" like openssl`, () => {
      const body = Buffer.from(vector.body_base64, 'base64');
      const secrets = vector.other_secret ? [vector.secret, vector.other_secret] : [vector.secret];
      expect(signPayload(body, secrets, { timestamp: vector.t })).toBe(vector.header);
    });

    it(`verifies "${vector.name}"`, () => {
      const body = Buffer.from(vector.body_base64, 'base64');
      const result = verifySignature({ body, header: vector.header, secret: vector.secret, now: () => vector.t * 1000 });
      expect(result.ok).toBe(true);
    });
  }
});

describe('verifySignature failures', () => {
  const secret = 'whsec_unit';
  const body = '{"id":"evt_1","event":"ping"}';
  const t = 1_800_000_000;
  const header = signPayload(body, secret, { timestamp: t });
  const at = (seconds: number) => () => seconds * 1000;

  it('reports a missing header', () => {
    const result = verifySignature({ body, header: undefined, secret, now: at(t) });
    expect(result).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('reports a malformed header', () => {
    for (const bad of ['garbage', 't=abc,v1=00', 'v1=abcd', 't=,v1=ab']) {
      const result = verifySignature({ body, header: bad, secret, now: at(t) });
      expect(result, bad).toMatchObject({ ok: false, reason: 'malformed_header' });
    }
  });

  it('reports a header without v1', () => {
    const result = verifySignature({ body, header: `t=${t},v0=abc`, secret, now: at(t) });
    expect(result).toMatchObject({ ok: false, reason: 'no_v1_signature' });
  });

  it('accepts the tolerance edges and rejects one second past', () => {
    expect(verifySignature({ body, header, secret, now: at(t + 300) }).ok).toBe(true);
    expect(verifySignature({ body, header, secret, now: at(t - 300) }).ok).toBe(true);
    expect(verifySignature({ body, header, secret, now: at(t + 301) })).toMatchObject({ ok: false, reason: 'timestamp_too_old', ageSeconds: 301 });
    expect(verifySignature({ body, header, secret, now: at(t - 301) })).toMatchObject({ ok: false, reason: 'timestamp_in_future', ageSeconds: -301 });
  });

  it('honours a custom tolerance', () => {
    expect(verifySignature({ body, header, secret, now: at(t + 20), toleranceSeconds: 10 })).toMatchObject({ reason: 'timestamp_too_old' });
  });

  it('rejects a tampered body and a wrong secret', () => {
    expect(verifySignature({ body: body.replace('ping', 'pinG'), header, secret, now: at(t) })).toMatchObject({ reason: 'no_matching_signature' });
    expect(verifySignature({ body, header, secret: 'whsec_other', now: at(t) })).toMatchObject({ reason: 'no_matching_signature' });
  });

  it('rejects a v1 of the wrong length', () => {
    const short = header.slice(0, -2);
    expect(verifySignature({ body, header: short, secret, now: at(t) })).toMatchObject({ reason: 'no_matching_signature' });
  });

  it('accepts any of several secrets', () => {
    const result = verifySignature({ body, header, secret: ['whsec_old', secret], now: at(t) });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it('parses unknown schemes without failing', () => {
    const parsed = parseSignatureHeader(`t=${t}, v0=zz, v1=${'a'.repeat(64)}`);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok ? parsed.header.signatures : []).toEqual(['a'.repeat(64)]);
  });
});

describe('constructEvent', () => {
  const secret = 'whsec_construct';
  const body = '{"id":"evt_2","event":"stamp_added"}';

  it('returns the parsed event', () => {
    const header = signPayload(body, secret);
    expect(constructEvent<{ event: string }>(body, header, secret).event).toBe('stamp_added');
  });

  it('throws a typed error with the reason', () => {
    const header = signPayload(body, 'whsec_wrong');
    expect(() => constructEvent(body, header, secret)).toThrow(SignatureVerificationError);
    try {
      constructEvent(body, header, secret);
    } catch (error) {
      expect((error as SignatureVerificationError).reason).toBe('no_matching_signature');
    }
  });
});

describe('library misuse', () => {
  const body = '{"id":"evt_3","event":"ping"}';
  const header = signPayload(body, 'whsec_misuse');

  it('names a missing secret', () => {
    const secret = undefined as unknown as string;
    expect(() => verifySignature({ body, header, secret })).toThrow(/secret is missing/);
    expect(() => constructEvent(body, header, secret)).toThrow(/secret is missing/);
    expect(() => verifySignature({ body, header, secret: '' })).toThrow(/a secret is empty/);
    expect(() => signPayload(body, [])).toThrow(/secret is missing/);
  });

  it('names a parsed body', () => {
    const parsed = JSON.parse(body) as unknown as string;
    expect(() => verifySignature({ body: parsed, header, secret: 'whsec_misuse' })).toThrow(/raw request bytes/);
    expect(() => constructEvent(parsed, header, 'whsec_misuse')).toThrow(/express\.raw/);
  });

  it('accepts a Uint8Array body', () => {
    const bytes = new Uint8Array(Buffer.from(body));
    expect(verifySignature({ body: bytes, header, secret: 'whsec_misuse' }).ok).toBe(true);
  });
});
