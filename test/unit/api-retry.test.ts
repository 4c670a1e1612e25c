import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isIdempotentMethod, isRetryableStatus, parseRetryAfter, RETRY_DELAYS_MS } from '../../src/api/retry.js';

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-05-11T12:00:00Z');
    expect(parseRetryAfter('Mon, 11 May 2026 12:00:30 GMT', now)).toBe(30_000);
  });

  it('clamps a past date to zero', () => {
    const now = Date.parse('2026-05-11T12:00:00Z');
    expect(parseRetryAfter('Mon, 11 May 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('returns undefined for missing or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'])).toBe(3000);
  });
});

describe('retry rules', () => {
  it('retries 429 and 5xx only', () => {
    expect(isRetryableStatus(429)).toBe(true);
    expect(isRetryableStatus(500)).toBe(true);
    expect(isRetryableStatus(503)).toBe(true);
    expect(isRetryableStatus(400)).toBe(false);
    expect(isRetryableStatus(404)).toBe(false);
    expect(isRetryableStatus(409)).toBe(false);
  });

  it('treats POST and PATCH as not idempotent', () => {
    expect(isIdempotentMethod('get')).toBe(true);
    expect(isIdempotentMethod('DELETE')).toBe(true);
    expect(isIdempotentMethod('POST')).toBe(false);
    expect(isIdempotentMethod('PATCH')).toBe(false);
  });

  it('keeps backoff within 20% jitter', () => {
    expect(backoffDelayMs(2, RETRY_DELAYS_MS, () => 0)).toBe(RETRY_DELAYS_MS[0] * 0.8);
    expect(backoffDelayMs(2, RETRY_DELAYS_MS, () => 1)).toBe(RETRY_DELAYS_MS[0] * 1.2);
    expect(backoffDelayMs(3, RETRY_DELAYS_MS, () => 0.5)).toBe(RETRY_DELAYS_MS[1]);
    expect(backoffDelayMs(9, RETRY_DELAYS_MS, () => 0.5)).toBe(RETRY_DELAYS_MS[1]);
  });
});
