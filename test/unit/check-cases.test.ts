import { describe, expect, it } from 'vitest';
import { buildCases } from '../../src/check/cases.js';
import { NON_ASCII_JSON_STRING, nonAsciiBody, prettyBody, tamperBody } from '../../src/check/bodies.js';
import type { CheckCase, Probe } from '../../src/check/types.js';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import { parseSignatureHeader, verifySignature } from '../../src/signing/index.js';

const SECRET = 'whsec_unit_cases_secret';
const cases = buildCases({ secret: SECRET, eventTypes: ['voucher_redeemed', 'ping'] });

function caseById(id: string): CheckCase {
  const found = cases.find((item) => item.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
}

function firstProbe(id: string): Probe {
  return caseById(id).probes[0]!.build();
}

function verify(probe: Probe): ReturnType<typeof verifySignature> {
  return verifySignature({ body: probe.body, header: probe.headers['X-7stamp-Signature'], secret: SECRET });
}

describe('check case list', () => {
  it('has unique ids in report order', () => {
    const ids = cases.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 2)).toEqual(['delivery.voucher_redeemed', 'delivery.ping']);
    expect(ids).toContain('rotation.unknown_then_valid_v1');
    expect(ids.filter((id) => id.startsWith('forged.'))).toHaveLength(7);
  });

  it('covers every event type by default', () => {
    const all = buildCases({ secret: SECRET, eventTypes: EVENT_TYPES });
    expect(all.filter((item) => item.group === 'delivery')).toHaveLength(EVENT_TYPES.length);
  });

  it('expects 4xx exactly for the forged cases', () => {
    for (const item of cases) expect(item.expect, item.id).toBe(item.group === 'forged' ? 'reject' : 'accept');
  });
});

describe('check probes', () => {
  it('signs valid deliveries with the contract headers', () => {
    const probe = firstProbe('delivery.voucher_redeemed');
    const event = JSON.parse(probe.body.toString('utf8')) as { id: string; event: string };
    expect(verify(probe).ok).toBe(true);
    expect(probe.headers['X-7stamp-Event']).toBe('voucher_redeemed');
    expect(probe.headers['X-7stamp-Event-Id']).toBe(event.id);
    expect(probe.headers['X-7stamp-Attempt']).toBe('1');
    expect(probe.headers['User-Agent']).toBe('7stamp-Webhooks/1.0');
    expect(probe.headers['Content-Type']).toBe('application/json');
  });

  it('fails each forged probe for its own reason', () => {
    const reasons: Record<string, string> = {
      'forged.tampered_body': 'no_matching_signature',
      'forged.wrong_secret': 'no_matching_signature',
      'forged.missing_signature': 'missing_header',
      'forged.malformed_header': 'malformed_header',
      'forged.short_v1': 'no_matching_signature',
      'forged.stale_timestamp': 'timestamp_too_old',
      'forged.future_timestamp': 'timestamp_in_future',
    };
    for (const [id, reason] of Object.entries(reasons)) {
      const result = verify(firstProbe(id));
      expect(result.ok, id).toBe(false);
      expect(result.ok ? undefined : result.reason, id).toBe(reason);
    }
  });

  it('truncates the short v1 to 32 hex digits', () => {
    const parsed = parseSignatureHeader(firstProbe('forged.short_v1').headers['X-7stamp-Signature']);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok ? parsed.header.signatures[0] : undefined).toMatch(/^[0-9a-f]{32}$/);
  });

  it('signs the skewed timestamps correctly', () => {
    for (const id of ['forged.stale_timestamp', 'forged.future_timestamp']) {
      const probe = firstProbe(id);
      expect(verifySignature({ body: probe.body, header: probe.headers['X-7stamp-Signature'], secret: SECRET, toleranceSeconds: 0 }).ok, id).toBe(true);
    }
  });

  it('puts the unknown v1 before the valid one', () => {
    const probe = firstProbe('rotation.unknown_then_valid_v1');
    const parsed = parseSignatureHeader(probe.headers['X-7stamp-Signature']);
    expect(parsed.ok ? parsed.header.signatures : []).toHaveLength(2);
    const header = probe.headers['X-7stamp-Signature']!;
    const [first, second] = header.split(',v1=').slice(1);
    expect(verifySignature({ body: probe.body, header: header.replace(`,v1=${second}`, ''), secret: SECRET }).ok).toBe(false);
    expect(verifySignature({ body: probe.body, header: header.replace(`,v1=${first}`, ''), secret: SECRET }).ok).toBe(true);
  });

  it('repeats the event with a fresh attempt', () => {
    const [first, retry] = caseById('idempotency.same_event_twice').probes.map((step) => step.build());
    expect(retry!.body.equals(first!.body)).toBe(true);
    expect(retry!.headers['X-7stamp-Event-Id']).toBe(first!.headers['X-7stamp-Event-Id']);
    expect(retry!.headers['X-7stamp-Delivery-Id']).toBe(first!.headers['X-7stamp-Delivery-Id']);
    expect(retry!.headers['X-7stamp-Attempt']).toBe('2');
    expect(verify(retry!).ok).toBe(true);
  });

  it('signs the body cases over bytes a re-serialiser changes', () => {
    for (const id of ['body.non_ascii', 'body.pretty_printed']) {
      const probe = firstProbe(id);
      const text = probe.body.toString('utf8');
      expect(verify(probe).ok, id).toBe(true);
      expect(JSON.stringify(JSON.parse(text)), id).not.toBe(text);
    }
  });
});

describe('check bodies', () => {
  const event = { id: 'evt_1', event: 'card_issued', customer: { id: 'c_1' } };

  it('changes exactly one byte when tampering', () => {
    const body = Buffer.from(JSON.stringify(event));
    const tampered = tamperBody(body, 'evt_1');
    expect(tampered).toHaveLength(body.length);
    expect([...body].filter((byte, index) => byte !== tampered[index])).toHaveLength(1);
    expect(() => JSON.parse(tampered.toString('utf8'))).not.toThrow();
  });

  it('mixes escaped and raw non-ASCII text', () => {
    const { body, event: parsed } = nonAsciiBody(event);
    const text = body.toString('utf8');
    expect(text).toContain('\\u00e9');
    expect(text).toContain('\\/');
    expect(text).toContain('☕');
    expect(text).toContain('\ud83c\udf89');
    expect((parsed.customer as { name: string }).name).toBe(JSON.parse(NON_ASCII_JSON_STRING));
    expect(JSON.parse(text)).toEqual(parsed);
  });

  it('adds a note when the event has no customer', () => {
    const { event: parsed } = nonAsciiBody({ id: 'evt_2', event: 'ping' });
    expect(parsed.note).toBe(JSON.parse(NON_ASCII_JSON_STRING));
  });

  it('pretty-prints to the same value', () => {
    const body = prettyBody(event);
    expect(body.toString('utf8')).toMatch(/^\{\n {2}"id"/);
    expect(body.toString('utf8').endsWith('}\n')).toBe(true);
    expect(JSON.parse(body.toString('utf8'))).toEqual(event);
  });
});
