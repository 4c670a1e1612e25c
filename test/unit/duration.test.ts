import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { formatMs, parseDuration } from '../../src/output/duration.js';

describe('parseDuration', () => {
  it('parses units to milliseconds', () => {
    expect(parseDuration('500ms', '--timeout')).toBe(500);
    expect(parseDuration('2s', '--timeout')).toBe(2000);
    expect(parseDuration('1.5s', '--timeout')).toBe(1500);
    expect(parseDuration('1m', '--timeout')).toBe(60_000);
    expect(parseDuration('1h', '--timeout')).toBe(3_600_000);
    expect(parseDuration('7d', '--since')).toBe(604_800_000);
    expect(parseDuration('10', '--timeout')).toBe(10_000);
    expect(parseDuration(' 3S ', '--timeout')).toBe(3000);
    expect(parseDuration('0s', '--timeout')).toBe(0);
  });

  it('rejects bad input naming the flag', () => {
    for (const bad of ['', 'ten', '-1s', '5 days', '1e3', 's']) {
      let caught: unknown;
      try {
        parseDuration(bad, '--max-latency');
      } catch (error) {
        caught = error;
      }
      expect(caught, bad).toBeInstanceOf(CliError);
      expect((caught as CliError).exitCode).toBe(ExitCode.usage);
      expect((caught as CliError).message).toContain('--max-latency');
    }
  });
});

describe('formatMs', () => {
  it('picks a readable unit', () => {
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(2500)).toBe('2.5 s');
    expect(formatMs(90_000)).toBe('1.5 min');
  });
});
