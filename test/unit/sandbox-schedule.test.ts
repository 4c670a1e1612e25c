import { describe, expect, it } from 'vitest';
import { decideRetry, deliveryDeadlineMs, parseRetryAfterMs, RETRY_DELAYS_SECONDS } from '../../src/sandbox/schedule.js';

const NOW = 1_800_000_000_000;

describe('retry schedule', () => {
  it('follows the table without jitter', () => {
    const deadline = deliveryDeadlineMs(NOW, 1);
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) => decideRetry({ attempt, nowMs: NOW, deadlineAtMs: deadline, timeScale: 1, random: () => 0.5 }).delayMs);
    expect(delays).toEqual([10, 60, 300, 1800, 3600, 7200, 14400, 14400, 14400].map((seconds) => seconds * 1000));
  });

  it('keeps jitter within 20%', () => {
    const deadline = deliveryDeadlineMs(NOW, 1);
    const low = decideRetry({ attempt: 2, nowMs: NOW, deadlineAtMs: deadline, timeScale: 1, random: () => 0 }).delayMs;
    const high = decideRetry({ attempt: 2, nowMs: NOW, deadlineAtMs: deadline, timeScale: 1, random: () => 0.999999 }).delayMs;
    expect(low).toBeCloseTo(48_000, 0);
    expect(high).toBeCloseTo(72_000, -1);
  });

  it('divides delays and deadline by the time scale', () => {
    const decision = decideRetry({ attempt: 1, nowMs: NOW, deadlineAtMs: deliveryDeadlineMs(NOW, 3600), timeScale: 3600, random: () => 0.5 });
    expect(decision.delayMs).toBeCloseTo(10_000 / 3600, 6);
    expect(deliveryDeadlineMs(NOW, 3600) - NOW).toBe(24_000);
  });

  it('gives up past the 24 h deadline', () => {
    const createdAtMs = NOW - 86_400_000 + 5_000;
    const decision = decideRetry({ attempt: 8, nowMs: NOW, deadlineAtMs: deliveryDeadlineMs(createdAtMs, 1), timeScale: 1, random: () => 0.5 });
    expect(decision.nextAttemptAtMs).toBeNull();
  });

  it('plays about a dozen attempts in 24 h', () => {
    let nowMs = NOW;
    const deadline = deliveryDeadlineMs(NOW, 1);
    let attempts = 1;
    for (;;) {
      const decision = decideRetry({ attempt: attempts, nowMs, deadlineAtMs: deadline, timeScale: 1, random: () => 0.5 });
      if (decision.nextAttemptAtMs === null) break;
      nowMs = decision.nextAttemptAtMs;
      attempts += 1;
    }
    expect(attempts).toBe(12);
    expect(RETRY_DELAYS_SECONDS).toHaveLength(7);
  });

  it('lets Retry-After lengthen a 429 or 503 delay only', () => {
    const deadline = deliveryDeadlineMs(NOW, 1);
    const base = { attempt: 1, nowMs: NOW, deadlineAtMs: deadline, timeScale: 1, random: () => 0.5 };
    expect(decideRetry({ ...base, statusCode: 503, retryAfterHeader: '120' }).delayMs).toBe(120_000);
    expect(decideRetry({ ...base, statusCode: 429, retryAfterHeader: '1' }).delayMs).toBe(10_000);
    expect(decideRetry({ ...base, statusCode: 500, retryAfterHeader: '120' }).delayMs).toBe(10_000);
    expect(decideRetry({ ...base, statusCode: 503, retryAfterHeader: '999999' }).nextAttemptAtMs).toBeNull();
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfterMs('30', NOW)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
  });
});
