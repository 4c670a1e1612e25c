import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { parseSinceOption } from '../../src/history/events.js';
import { MAX_TIMER_MS, parseDuration } from '../../src/output/duration.js';
import { forAll, type Random } from '../helpers/random.js';

const UNITS = ['', 'ms', 's', 'm', 'h', 'MS', 'S', 'd', 'w', 'y', 'sec', ' s', 'µs'];

function randomDuration(random: Random): string {
  const number = random.pick([
    String(random.int(0, 1000)),
    `${random.int(0, 99)}.${random.int(0, 999)}`,
    '9'.repeat(random.int(5, 400)),
    `-${random.int(1, 10)}`,
    '1e3',
    '0x10',
    '.5',
    '5.',
    'Infinity',
    'NaN',
    '',
  ]);
  const text = `${number}${random.pick(UNITS)}`;
  return random.chance(0.15) ? `${random.unicode(3)}${text}${random.unicode(3)}` : text;
}

describe('duration flags', () => {
  it('return a timer-safe integer or a usage error', () => {
    forAll(5_000, (random) => {
      const text = randomDuration(random);
      let ms: number | undefined;
      try {
        ms = parseDuration(text, '--timeout');
      } catch (error) {
        expect(error, JSON.stringify(text)).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode, text).toBe(ExitCode.usage);
        expect((error as CliError).message, text).toContain('--timeout');
        expect((error as CliError).message.length, text).toBeLessThan(200);
        return;
      }
      expect(Number.isSafeInteger(ms), text).toBe(true);
      expect(ms, text).toBeGreaterThanOrEqual(0);
      expect(ms, text).toBeLessThanOrEqual(MAX_TIMER_MS);
    });
  });

  it('reject a duration past the timer limit', () => {
    for (const text of ['597h', '35792m', '2147484s', `${'9'.repeat(400)}h`]) {
      expect(() => parseDuration(text, '--timeout'), text).toThrow(/longest duration is 596h/);
    }
    expect(parseDuration('596h', '--timeout')).toBe(596 * 3_600_000);
  });

  it('keep --since inside the Date range', () => {
    forAll(2_000, (random) => {
      const text = randomDuration(random);
      try {
        const iso = parseSinceOption(text, 1_778_502_896_000);
        expect(Number.isNaN(Date.parse(iso)), text).toBe(false);
      } catch (error) {
        expect(error, JSON.stringify(text)).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode, text).toBe(ExitCode.usage);
      }
    });
  });
});
