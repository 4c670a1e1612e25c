import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { verifySignature } from '../../src/signing/index.js';
import { parseExpectation } from '../../src/trigger/expect.js';
import { parseHeaderArgument, prepareDelivery, type BodySource } from '../../src/trigger/payload.js';
import { percentile, TriggerStats } from '../../src/trigger/stats.js';
import { parseEventType, parseTargetUrl } from '../../src/trigger/command.js';

function usageErrorOf(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.usage);
    return error as CliError;
  }
  throw new Error('expected a CliError');
}

describe('parseExpectation', () => {
  it('matches statuses and classes', () => {
    const rule = parseExpectation('2xx, 401');
    expect(rule.matches(204)).toBe(true);
    expect(rule.matches(401)).toBe(true);
    expect(rule.matches(403)).toBe(false);
    expect(rule.matches(null)).toBe(false);
  });

  it('rejects anything else', () => {
    for (const bad of ['ok', '2XXX', '600', '', '2xx,,']) usageErrorOf(() => parseExpectation(bad));
  });
});

describe('parseHeaderArgument', () => {
  it('splits name and value', () => {
    expect(parseHeaderArgument('X-Debug: 1')).toEqual(['X-Debug', '1']);
    expect(parseHeaderArgument('X-Url:http://a:b')).toEqual(['X-Url', 'http://a:b']);
  });

  it('rejects a missing colon or bad name', () => {
    for (const bad of ['X-Debug', ': 1', 'Bad Name: 1', 'X: a\nb']) usageErrorOf(() => parseHeaderArgument(bad));
  });
});

describe('prepareDelivery', () => {
  const source: BodySource = { kind: 'sample', type: 'stamp_added', set: [], unset: [], addMissing: false };

  it('signs the body with every contract header', () => {
    const delivery = prepareDelivery(source, ['whsec_one'], []);
    expect(Object.keys(delivery.headers)).toEqual([
      'Content-Type',
      'User-Agent',
      'X-7stamp-Event',
      'X-7stamp-Event-Id',
      'X-7stamp-Delivery-Id',
      'X-7stamp-Attempt',
      'X-7stamp-Signature',
    ]);
    expect(delivery.headers['X-7stamp-Event-Id']).toBe(JSON.parse(delivery.body.toString('utf8')).id);
    expect(delivery.deliveryId).toMatch(/^dlv_/);
    expect(verifySignature({ body: delivery.body, header: delivery.headers['X-7stamp-Signature'], secret: 'whsec_one' }).ok).toBe(true);
  });

  it('signs once per secret', () => {
    const delivery = prepareDelivery(source, ['whsec_new', 'whsec_old'], []);
    expect(delivery.headers['X-7stamp-Signature']?.match(/v1=/g)).toHaveLength(2);
  });

  it('lets extra headers replace contract ones', () => {
    const delivery = prepareDelivery(source, ['whsec_one'], [['x-7stamp-signature', 't=1,v1=00'], ['X-Extra', 'yes']]);
    expect(delivery.headers['X-7stamp-Signature']).toBeUndefined();
    expect(delivery.headers['x-7stamp-signature']).toBe('t=1,v1=00');
    expect(delivery.headers['X-Extra']).toBe('yes');
  });
});

describe('TriggerStats', () => {
  it('summarises outcomes', () => {
    const stats = new TriggerStats(4);
    stats.add({ statusCode: 200, durationMs: 10, errorCode: null, expected: true });
    stats.add({ statusCode: 500, durationMs: 30, errorCode: null, expected: false });
    stats.add({ statusCode: null, durationMs: 5, errorCode: 'ECONNREFUSED', expected: false });
    stats.add({ statusCode: 500, durationMs: 20, errorCode: null, expected: false });
    const summary = stats.summarize(1000);
    expect(summary.sent).toBe(4);
    expect(summary.ok).toBe(1);
    expect(summary.unexpected).toBe(3);
    expect(summary.networkErrors).toBe(1);
    expect(summary.failures).toEqual({ '500 Internal Server Error': 2, ECONNREFUSED: 1 });
    expect(summary.latencyMs.max).toBe(30);
    expect(summary.latencyMs.p50).toBe(10);
    expect(summary.requestsPerSecond).toBe(4);
  });

  it('computes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([], 99)).toBe(0);
  });
});

describe('command input', () => {
  it('resolves aliases and suggests names', () => {
    expect(parseEventType('birthday')).toBe('birthday_reached');
    expect(parseEventType('inactive')).toBe('inactivity_trigger');
    expect(usageErrorOf(() => parseEventType('voucher_redeem')).message).toContain('did you mean voucher_redeemed');
  });

  it('accepts only absolute http URLs', () => {
    expect(parseTargetUrl('http://[::1]:3000/x').hostname).toBe('[::1]');
    for (const bad of ['localhost:3000', '/webhooks', 'ftp://example.test/', 'http://', 'not a url']) usageErrorOf(() => parseTargetUrl(bad));
  });
});
