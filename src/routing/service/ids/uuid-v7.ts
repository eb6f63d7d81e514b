import { randomFillSync } from 'node:crypto';

// RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, 12 bits `rand_a`, variant 10, 62 bits
// `rand_b`. Ids are time-ordered, so the predictions primary key grows at the right edge of its
// B-tree like a sequence. `rand_a` is used as a counter within one millisecond (RFC 9562 §6.2
// method 1), seeded randomly each new millisecond, so ids from one process are strictly increasing
// even at > 1 id/µs. Random bytes come from a pooled buffer refilled 4 KiB at a time, so an id costs
// one string and no crypto call on most requests.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

let lastMs = -1;
let counter = 0;

function randomByte(): number {
  if (poolOffset >= POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/**
 * A new UUIDv7 string (lower-case, hyphenated). Ids made by one process are strictly increasing;
 * across processes they are ordered by millisecond.
 *
 * ### Examples
 * ```ts
 * uuidv7(); // '0190f3c2-7a1b-7c3d-9e4f-0123456789ab'
 * uuidv7() < uuidv7(); // true
 * ```
 */
export function uuidv7(now: number = Date.now()): string {
  let ms = now;
  if (ms > lastMs) {
    lastMs = ms;
    // Start low in the 12-bit space so a burst within the millisecond has room to count up.
    counter = ((randomByte() << 2) | (randomByte() & 0x3)) & 0x3ff;
  } else {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // Counter exhausted (4096 ids in one ms): borrow the next millisecond, keeping order.
      lastMs = ++ms;
      counter = 0;
    }
  }
  const high = Math.floor(ms / 0x1000000); // top 24 of the 48 timestamp bits
  const low = ms % 0x1000000;
  return (
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (randomByte() & 0x3f)]! +
    HEX[randomByte()]! +
    '-' +
    HEX[randomByte()]! +
    HEX[randomByte()]! +
    HEX[randomByte()]! +
    HEX[randomByte()]! +
    HEX[randomByte()]! +
    HEX[randomByte()]!
  );
}

/**
 * The millisecond timestamp encoded in a UUIDv7 (for logs and tests).
 *
 * ### Examples
 * ```ts
 * uuidv7Timestamp(uuidv7(1_700_000_000_000)); // 1700000000000
 * ```
 */
export function uuidv7Timestamp(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
