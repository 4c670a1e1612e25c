import { describe, expect, it } from 'vitest';
import { diagnoseSignature, normalizeHeader } from '../../src/signing/diagnose.js';
import { signPayload } from '../../src/signing/index.js';

const secret = 'whsec_diagnoseTestSecret01';
const t = 1_800_000_000;
const at = (seconds: number) => () => seconds * 1000;
const compact = Buffer.from('{"id":"evt_1","event":"voucher_redeemed","customer":{"name":"Zoë Núñez"}}', 'utf8');
const header = signPayload(compact, secret, { timestamp: t });

describe('diagnoseSignature', () => {
  it('accepts a valid signature', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: [secret], now: at(t + 5) });
    expect(result.ok).toBe(true);
    expect(result.ageSeconds).toBe(5);
    expect(result.message).toContain('5 s ago');
  });

  it('names the matching secret of several', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: ['whsec_other', secret], now: at(t) });
    expect(result.secretIndex).toBe(1);
    expect(result.message).toContain('secret 2 of 2');
  });

  it('detects a pretty-printed body', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(compact.toString('utf8')), null, 2), 'utf8');
    const result = diagnoseSignature({ body: pretty, header, secrets: [secret], now: at(t) });
    expect(result.ok).toBe(false);
    expect(result.cause).toBe('reserialised_body');
    expect(result.message).toContain('the body was re-serialised');
  });

  it('detects a compacted body', () => {
    const prettySigned = Buffer.from('{\n  "id": "evt_2",\n  "event": "ping"\n}', 'utf8');
    const signed = signPayload(prettySigned, secret, { timestamp: t });
    const result = diagnoseSignature({ body: Buffer.from('{"id":"evt_2","event":"ping"}'), header: signed, secrets: [secret], now: at(t) });
    expect(result.cause).toBe('reserialised_body');
  });

  it('detects a body whose escapes were lost', () => {
    const escaped = Buffer.from('{"url":"https:\\/\\/x.test\\/a","name":"Zo\\u00eb \\ud83c\\udf89"}', 'utf8');
    const signed = signPayload(escaped, secret, { timestamp: t });
    const decoded = Buffer.from(JSON.stringify(JSON.parse(escaped.toString('utf8'))), 'utf8');
    expect(decoded.toString('utf8')).toBe('{"url":"https://x.test/a","name":"Zoë 🎉"}');
    const result = diagnoseSignature({ body: decoded, header: signed, secrets: [secret], now: at(t) });
    expect(result.cause).toBe('reserialised_body');
  });

  it('detects whitespace around the secret', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: [`${secret}\n`], now: at(t) });
    expect(result.cause).toBe('secret_whitespace');
    expect(result.message).toContain('the secret has surrounding whitespace');
  });

  it('detects a trailing newline', () => {
    const body = Buffer.from('not json at all', 'utf8');
    const signed = signPayload(body, secret, { timestamp: t });
    const result = diagnoseSignature({ body: Buffer.concat([body, Buffer.from('\n')]), header: signed, secrets: [secret], now: at(t) });
    expect(result.cause).toBe('trailing_newline');
  });

  it('detects CRLF line endings', () => {
    const body = Buffer.from('line one\nline two', 'utf8');
    const signed = signPayload(body, secret, { timestamp: t });
    const result = diagnoseSignature({ body: Buffer.from('line one\r\nline two'), header: signed, secrets: [secret], now: at(t) });
    expect(result.cause).toBe('line_endings');
  });

  it('detects a missing whsec_ prefix', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: [secret.slice('whsec_'.length)], now: at(t) });
    expect(result.cause).toBe('secret_prefix');
  });

  it('reports an old timestamp with its age', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: [secret], now: at(t + 412) });
    expect(result.reason).toBe('timestamp_too_old');
    expect(result.cause).toBe('timestamp_only');
    expect(result.message).toContain('timestamp is 412 s old');
    expect(result.ageSeconds).toBe(412);
  });

  it('reports a future timestamp', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: [secret], now: at(t - 400) });
    expect(result.reason).toBe('timestamp_in_future');
    expect(result.message).toContain('400 s in the future');
  });

  it('honours the tolerance edges', () => {
    expect(diagnoseSignature({ body: compact, header, secrets: [secret], toleranceSeconds: 60, now: at(t + 60) }).ok).toBe(true);
    expect(diagnoseSignature({ body: compact, header, secrets: [secret], toleranceSeconds: 60, now: at(t + 61) }).ok).toBe(false);
    expect(diagnoseSignature({ body: compact, header, secrets: [secret], toleranceSeconds: 0, now: at(t + 99_999) }).ok).toBe(true);
  });

  it('combines an old timestamp with another cause', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: [` ${secret}`], now: at(t + 412) });
    expect(result.cause).toBe('secret_whitespace');
    expect(result.message).toContain('412 s old');
  });

  it('reports a wrong secret', () => {
    const result = diagnoseSignature({ body: compact, header, secrets: ['whsec_wrongSecretEntirely'], now: at(t) });
    expect(result.reason).toBe('no_matching_signature');
    expect(result.cause).toBe('unknown');
    expect(result.message).toContain('another secret');
  });

  it('reports missing and malformed headers', () => {
    expect(diagnoseSignature({ body: compact, header: undefined, secrets: [secret] }).reason).toBe('missing_header');
    expect(diagnoseSignature({ body: compact, header: 'nonsense', secrets: [secret] }).reason).toBe('malformed_header');
    expect(diagnoseSignature({ body: compact, header: `t=${t}`, secrets: [secret] }).reason).toBe('no_v1_signature');
  });
});

describe('normalizeHeader', () => {
  it('strips the header name and quotes', () => {
    expect(normalizeHeader(`X-7stamp-Signature: ${header}`)).toBe(header);
    expect(normalizeHeader(`x-7stamp-signature:${header}`)).toBe(header);
    expect(normalizeHeader(`'${header}'`)).toBe(header);
    expect(normalizeHeader(`  ${header}\n`)).toBe(header);
  });
});
