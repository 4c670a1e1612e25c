/**
 * A small seeded random generator for property tests and drills. The same seed gives the
 * same sequence on every run, so a failure printed with its seed can be replayed with
 * STAMP7_SEED=<seed>.
 */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns a float in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Returns an integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** Returns a string of `length` characters drawn from `alphabet`. */
  string(alphabet: string, length: number): string {
    let text = '';
    for (let index = 0; index < length; index++) text += alphabet[this.int(0, alphabet.length - 1)];
    return text;
  }

  /** Returns a string that mixes ASCII, separators, control characters and non-BMP code points. */
  unicode(maxLength: number): string {
    const pools = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      '=,;:.-_ \t/@?#[]{}"\'\\%+*',
      '\u0000\u0001\u001f\u007f\r\n',
      'éß€\u200b\ufeff😀\ud800',
    ];
    let text = '';
    const length = this.int(0, maxLength);
    for (let index = 0; index < length; index++) {
      const pool = this.pick(pools);
      text += pool[this.int(0, pool.length - 1)];
    }
    return text;
  }

  bytes(length: number): Buffer {
    const buffer = Buffer.alloc(length);
    for (let index = 0; index < length; index++) buffer[index] = this.int(0, 255);
    return buffer;
  }
}

/** Returns the seed of this run: STAMP7_SEED when set, else one drawn from the clock. */
export function runSeed(): number {
  const fromEnv = process.env.STAMP7_SEED;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/**
 * Runs `property` for `iterations` cases, each with its own generator derived from one run
 * seed. A failing case is rethrown with the seed and case number, so it can be replayed.
 */
export function forAll(iterations: number, property: (random: Random, caseNumber: number) => void, seed = runSeed()): void {
  const random = new Random(seed);
  for (let caseNumber = 0; caseNumber < iterations; caseNumber++) {
    try {
      property(random, caseNumber);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`property failed on case ${caseNumber} (replay with STAMP7_SEED=${seed}): ${detail}`, { cause: error });
    }
  }
}

/** Runs an asynchronous property like forAll. */
export async function forAllAsync(iterations: number, property: (random: Random, caseNumber: number) => Promise<void>, seed = runSeed()): Promise<void> {
  const random = new Random(seed);
  for (let caseNumber = 0; caseNumber < iterations; caseNumber++) {
    try {
      await property(random, caseNumber);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`property failed on case ${caseNumber} (replay with STAMP7_SEED=${seed}): ${detail}`, { cause: error });
    }
  }
}
