import { StatsInputError } from '../../stats/errors';

// MurmurHash3 x86 32-bit (Austin Appleby's reference, public domain) over the UTF-8 bytes of a
// JavaScript string, encoded on the fly: no Buffer, no TextEncoder, no intermediate string, so the
// hot path allocates nothing. The hash is a stream of 4-byte little-endian blocks, which lets us
// hash a fixed prefix (the experiment salt) once and resume from its state for every unit.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * The state of a MurmurHash3 stream after some bytes: resume it with {@link murmur3Continue}.
 *
 * ### Examples
 * ```ts
 * murmur3Prefix('exp-42:'); // { h: …, k: …, shift: 24, length: 7 }
 * ```
 */
export interface Murmur3State {
  /** Running hash after the complete 4-byte blocks. */
  readonly h: number;
  /** Pending bytes of the incomplete block, little-endian. */
  readonly k: number;
  /** Bit offset of the next pending byte: 0, 8, 16 or 24. */
  readonly shift: number;
  /** Bytes consumed so far (mixed into the finaliser). */
  readonly length: number;
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, k: number, shift: number, length: number): number {
  if (shift !== 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Shared by the prefix and the per-unit paths. Written as one function with scalar locals (no
// state object per call) because V8 keeps those in registers; the result is packed back only when
// a caller asks for a state (the prefix, once per experiment). `modulo` is applied here, inside,
// because a uint32 above 2^31 returned across a non-inlined call is boxed as a heap number: the
// bucket (< 10,000) crosses the call as a small integer and the hot path allocates nothing.
function run(
  h: number,
  k: number,
  shift: number,
  length: number,
  input: string,
  out: number[] | null,
  modulo: number,
): number {
  const n = input.length;
  let i = 0;
  // ASCII fast path: four one-byte characters form one 32-bit word, spliced onto the pending
  // bytes at the current offset, so unaligned salts keep the fast path too.
  while (i + 4 <= n) {
    const c0 = input.charCodeAt(i);
    const c1 = input.charCodeAt(i + 1);
    const c2 = input.charCodeAt(i + 2);
    const c3 = input.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    const word = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    if (shift === 0) {
      h = mixBlock(h, word);
    } else {
      h = mixBlock(h, k | (word << shift));
      k = word >>> (32 - shift);
    }
    i += 4;
    length += 4;
  }
  // General path: one code point at a time, 1–4 UTF-8 bytes packed little-endian in `bytes`.
  for (; i < n; i++) {
    const c = input.charCodeAt(i);
    let bytes: number;
    let count: number;
    if (c < 0x80) {
      bytes = c;
      count = 1;
    } else if (c < 0x800) {
      bytes = 0xc0 | (c >>> 6) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else if (c < 0xd800 || c > 0xdfff) {
      bytes = 0xe0 | (c >>> 12) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
      count = 3;
    } else {
      const d = c <= 0xdbff && i + 1 < n ? input.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        bytes =
          0xf0 |
          (cp >>> 18) |
          ((0x80 | ((cp >>> 12) & 0x3f)) << 8) |
          ((0x80 | ((cp >>> 6) & 0x3f)) << 16) |
          ((0x80 | (cp & 0x3f)) << 24);
        count = 4;
        i++;
      } else {
        // A lone surrogate is not encodable; U+FFFD matches Buffer.from and TextEncoder.
        bytes = 0xef | (0xbf << 8) | (0xbd << 16);
        count = 3;
      }
    }
    length += count;
    for (let j = 0; j < count; j++) {
      k |= ((bytes >>> (j << 3)) & 0xff) << shift;
      shift += 8;
      if (shift === 32) {
        h = mixBlock(h, k);
        k = 0;
        shift = 0;
      }
    }
  }
  if (out !== null) {
    out[0] = h;
    out[1] = k;
    out[2] = shift;
    out[3] = length;
    return 0;
  }
  const hash = finish(h, k, shift, length);
  return modulo === 0 ? hash : hash % modulo;
}

/**
 * MurmurHash3 x86 32-bit of the UTF-8 encoding of `input`, as an unsigned integer; lone surrogates
 * are encoded as U+FFFD, like `Buffer.from(input, 'utf8')`.
 *
 * ### Examples
 * ```ts
 * murmur3('foo');     // 4138058784
 * murmur3('');        // 0
 * murmur3('foo', 1);  // 884891506 (another seed, another hash)
 * ```
 */
export function murmur3(input: string, seed = 0): number {
  return run(seed | 0, 0, 0, 0, input, null, 0);
}

/**
 * Hashes a fixed prefix once and returns the stream state, so that many strings sharing the
 * prefix can be hashed with {@link murmur3Continue} without re-reading (or concatenating) it.
 *
 * ### Examples
 * ```ts
 * const state = murmur3Prefix('exp-42:');
 * murmur3Continue(state, 'user-1') === murmur3('exp-42:user-1'); // true
 * ```
 */
export function murmur3Prefix(prefix: string, seed = 0): Murmur3State {
  const out = [0, 0, 0, 0];
  run(seed | 0, 0, 0, 0, prefix, out, 0);
  return { h: out[0]!, k: out[1]!, shift: out[2]!, length: out[3]! };
}

/**
 * Finishes the MurmurHash3 of `prefix + input` from the state of {@link murmur3Prefix}(prefix),
 * allocating nothing.
 *
 * ### Examples
 * ```ts
 * murmur3Continue(murmur3Prefix('f'), 'oo'); // 4138058784, same as murmur3('foo')
 * ```
 */
export function murmur3Continue(state: Murmur3State, input: string): number {
  return run(state.h, state.k, state.shift, state.length, input, null, 0);
}

/**
 * `murmur3Continue(state, input) % modulo`, computed without allocating even for hashes above 2^31
 * (which V8 would otherwise box when returning them): the hot-path form used by assigners.
 *
 * ### Examples
 * ```ts
 * murmur3ContinueModulo(murmur3Prefix('exp-42:'), 'user-1', 10000); // 4505
 * ```
 */
export function murmur3ContinueModulo(state: Murmur3State, input: string, modulo: number): number {
  if ((modulo | 0) !== modulo || modulo < 1) {
    throw new StatsInputError('modulo', `must be an integer in [1, 2^31 - 1], got ${modulo}`);
  }
  return run(state.h, state.k, state.shift, state.length, input, null, modulo);
}
