import { afterEach, describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { buildEvent, parseSetArgument } from '../../src/events/build.js';
import { EVENT_TYPES, resolveEventType } from '../../src/events/catalog.js';
import { hasPath, listPaths } from '../../src/events/paths.js';
import { forAll, type Random } from '../helpers/random.js';

const HOSTILE_SEGMENTS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'length', '0', '1', '99', '-1', '1e3', ' ', 'é'];

function randomPath(random: Random, known: readonly string[]): string {
  const kind = random.int(0, 3);
  if (kind === 0) return random.pick(known);
  if (kind === 1) return `${random.pick(known)}.${random.pick(HOSTILE_SEGMENTS)}`;
  const length = random.int(1, 4);
  const segments = Array.from({ length }, () => (random.chance(0.6) ? random.pick(HOSTILE_SEGMENTS) : random.unicode(6)));
  return kind === 2 ? segments.join('.') : `${random.pick(known)}.${segments.join('.')}`;
}

function randomValue(random: Random): unknown {
  return random.pick([null, true, 3, -1.5, 'text', '', [], [1, 'a'], {}, { nested: { deep: 1 } }, random.unicode(20)]);
}

function expectUsageError(error: unknown, context: string): void {
  expect(error, context).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode, context).toBe(ExitCode.usage);
  expect((error as CliError).message.length, context).toBeGreaterThan(0);
}

afterEach(() => {
  // A polluted prototype would leak into every later test in this worker.
  for (const key of Object.keys(Object.prototype)) delete (Object.prototype as Record<string, unknown>)[key];
});

describe('--set argument parser', () => {
  it('parses or fails with a usage error', () => {
    forAll(5_000, (random) => {
      const argument = random.chance(0.7) ? `${random.unicode(12)}=${random.unicode(12)}` : random.unicode(24);
      try {
        const [path] = parseSetArgument(argument);
        expect(path.split('.').every((segment) => segment !== ''), argument).toBe(true);
      } catch (error) {
        expectUsageError(error, JSON.stringify(argument));
      }
    });
  });
});

describe('buildEvent with random paths', () => {
  it('sets, refuses or reports every path', () => {
    forAll(3_000, (random) => {
      const type = random.pick(EVENT_TYPES);
      const known = listPaths(buildEvent(type).event);
      const path = randomPath(random, known);
      const value = randomValue(random);
      const addMissing = random.chance(0.5);
      const unset = random.chance(0.2) ? [randomPath(random, known)] : [];
      const context = JSON.stringify({ type, path, value, addMissing, unset });

      let built: ReturnType<typeof buildEvent> | undefined;
      try {
        built = buildEvent(type, { set: [[path, value]], unset, addMissing });
      } catch (error) {
        expectUsageError(error, context);
      }

      expect(Object.keys(Object.prototype), `${context} polluted Object.prototype`).toEqual([]);
      expect(({} as Record<string, unknown>).polluted, context).toBeUndefined();
      if (built === undefined) return;
      expect(Object.getPrototypeOf(built.event), context).toBe(Object.prototype);
      const reparsed = JSON.parse(built.body.toString('utf8')) as Record<string, unknown>;
      expect(reparsed, context).toEqual(built.event);
      if (unset.length === 0) expect(hasPath(reparsed, path), context).toBe(true);
    });
  });

  it('rejects __proto__ without polluting', () => {
    for (const path of ['__proto__.polluted', '__proto__', 'customer.__proto__.polluted', 'card.__proto__']) {
      let caught: unknown;
      try {
        buildEvent('voucher_redeemed', { set: [[path, { polluted: true }]], addMissing: true });
      } catch (error) {
        caught = error;
      }
      expectUsageError(caught, path);
      expect(({} as Record<string, unknown>).polluted, path).toBeUndefined();
    }
  });

  it('answers a very long unknown path quickly', () => {
    const path = `customer.${'x'.repeat(1_000_000)}`;
    const started = performance.now();
    expect(() => buildEvent('voucher_redeemed', { set: [[path, 1]] })).toThrow(CliError);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('event type names', () => {
  it('resolves no inherited property name', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      expect(resolveEventType(name), name).toBeUndefined();
    }
  });

  it('resolves only known types', () => {
    forAll(5_000, (random) => {
      const name = random.chance(0.3) ? random.pick([...EVENT_TYPES, 'birthday', 'inactive']) + random.unicode(2) : random.unicode(20);
      const type = resolveEventType(name);
      if (type !== undefined) expect(EVENT_TYPES, name).toContain(type);
    });
  });
});
