import { randomFillSync } from 'node:crypto';

// RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, 12 bits `rand_a`, variant 10, 62 bits
// `rand_b`. Ids are time-ordered, so the predictions primary key grows at the right edge of its
// B-tree like a sequence. `rand_a` is used as a counter within one millisecond (RFC 9562 §6.2
// method 1), seeded randomly each new millisecond, so ids from one process are strictly increasing
// even at > 1 id/µs. Random bytes come from a pooled buffer refilled 4 KiB at a time, so an id costs
// one string and no crypto call on most requests.
//
// Kept instead of the `uuid` package's v7 (also RFC 9562 and monotonic): used as a Set key, its id
// cost 2.7-3.4 µs against 1.3-1.5 µs here (2.1-2.3x, bench/library-evaluation.bench.ts), on a router
// whose whole request costs about 9 µs of CPU above a bare node:http server. Its text is built by
// concatenating 20 pieces, a rope V8 flattens when the id is first hashed; this one is written as
// ASCII into a scratch buffer and read out as one flat string.

// Hex digit pair of each byte value, as two ASCII codes packed low byte first.
const HEX_PAIRS = Uint16Array.from({ length: 256 }, (_, i) => {
  const hex = i.toString(16).padStart(2, '0');
  return hex.charCodeAt(0) | (hex.charCodeAt(1) << 8);
});
// Where the hex pair of each of the 16 bytes goes in 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'.
const PAIR_OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
const bytes = new Uint8Array(16);
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
  bytes[0] = high >>> 16;
  bytes[1] = high >>> 8;
  bytes[2] = high;
  bytes[3] = low >>> 16;
  bytes[4] = low >>> 8;
  bytes[5] = low;
  bytes[6] = 0x70 | (counter >>> 8);
  bytes[7] = counter;
  bytes[8] = 0x80 | (randomByte() & 0x3f);
  for (let i = 9; i < 16; i++) bytes[i] = randomByte();
  for (let i = 0; i < 16; i++) {
    const pair = HEX_PAIRS[bytes[i]!]!;
    const at = PAIR_OFFSETS[i]!;
    text[at] = pair & 0xff;
    text[at + 1] = pair >>> 8;
  }
  return text.toString('latin1', 0, 36);
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
