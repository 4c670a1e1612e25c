import { randomBytes } from 'node:crypto';

// Crockford base32, as ULIDs use it: no I, L, O or U, so ids read back without ambiguity.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

let lastTimeMs = -1;
let lastRandom: number[] = [];

// Random bytes are drawn in blocks, because one randomBytes call per id costs more than
// the rest of building an event when trigger fires thousands of them.
const RANDOM_BLOCK_BYTES = 4096;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

function takeRandom(length: number): Buffer {
  if (randomOffset + length > randomBlock.length) {
    randomBlock = randomBytes(RANDOM_BLOCK_BYTES);
    randomOffset = 0;
  }
  const slice = randomBlock.subarray(randomOffset, randomOffset + length);
  randomOffset += length;
  return slice;
}

/**
 * Creates a ULID-shaped id (26 characters): 48 bits of milliseconds, then 80 random bits.
 * Ids created in the same millisecond increment the random part, so ids from this process
 * sort in creation order and never repeat.
 */
export function sortableId(nowMs = Date.now()): string {
  if (nowMs > lastTimeMs) {
    lastTimeMs = nowMs;
    lastRandom = Array.from(takeRandom(RANDOM_CHARS), (byte) => byte & 31);
  } else {
    incrementRandom();
  }

  let time = '';
  let remaining = lastTimeMs;
  for (let index = 0; index < TIME_CHARS; index++) {
    time = ALPHABET[remaining % 32]! + time;
    remaining = Math.floor(remaining / 32);
  }
  return time + lastRandom.map((digit) => ALPHABET[digit]).join('');
}

function incrementRandom(): void {
  for (let index = RANDOM_CHARS - 1; index >= 0; index--) {
    if (lastRandom[index]! < 31) {
      lastRandom[index]! += 1;
      return;
    }
    lastRandom[index] = 0;
  }
  // All 80 bits overflowed within one millisecond: move the clock part on by one instead.
  lastTimeMs += 1;
}

/** Creates a short random id with a type prefix, such as `c_7k2mq9x4h1ds`. */
export function prefixedId(prefix: string): string {
  let text = '';
  for (const byte of takeRandom(12)) text += ALPHABET[byte & 31]!.toLowerCase();
  return `${prefix}_${text}`;
}

/** Creates an event id: `evt_` and a sortable id. */
export function eventId(nowMs?: number): string {
  return `evt_${sortableId(nowMs)}`;
}

/** Creates a delivery id: `dlv_` and a sortable id. */
export function deliveryId(nowMs?: number): string {
  return `dlv_${sortableId(nowMs)}`;
}
