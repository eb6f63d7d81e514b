import assert from 'node:assert/strict';
import {
  murmur3,
  murmur3Continue,
  murmur3ContinueModulo,
  murmur3Prefix,
} from '../../../../src/routing/allocation/murmur3';
import { inputError } from './helpers';
import { createRng } from '../../../../src/stats/random';

// The golden vectors pin the hash against Python's mmh3; these tests pin the properties the fast
// paths rely on: resuming from a prefix at any byte offset, switching from the ASCII path to the
// multi-byte path mid-string, and encoding lone surrogates exactly as Node's UTF-8 encoder does.

const POOLS: Array<[number, number]> = [
  [0x20, 0x7e],
  [0x80, 0x7ff],
  [0x800, 0xd7ff],
  [0xe000, 0xffff],
  [0x10000, 0x10ffff],
];

function randomString(rng: ReturnType<typeof createRng>, length: number, asciiShare: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = rng.next() < asciiShare ? POOLS[0]! : POOLS[1 + Math.floor(rng.next() * 4)]!;
    s += String.fromCodePoint(lo + Math.floor(rng.next() * (hi - lo + 1)));
  }
  return s;
}

// Test oracle: the reference algorithm over bytes, written plainly (a block loop, then the tail).
function referenceMurmur3(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = bytes.length >> 2;
  const round = (k: number): number => Math.imul((Math.imul(k, c1) << 15) | (Math.imul(k, c1) >>> 17), c2);
  for (let b = 0; b < blocks; b++) {
    const i = b * 4;
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h ^= round(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  const rest = bytes.length & 3;
  for (let j = rest - 1; j >= 0; j--) tail = (tail << 8) | bytes[blocks * 4 + j]!;
  if (rest > 0) h ^= round(tail);
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('murmur3', () => {
  it('gives the reference values for well-known inputs', () => {
    assert.equal(murmur3(''), 0);
    assert.equal(murmur3('foo'), 4138058784);
    assert.equal(murmur3('foo', 1), 884891506);
  });

  it('always returns an unsigned 32-bit integer', () => {
    const rng = createRng(11);
    for (let i = 0; i < 2000; i++) {
      const h = murmur3(randomString(rng, i % 50, 0.5), i);
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, `${h}`);
    }
  });

  it('resuming from a prefix state equals hashing the concatenation, at every split point', () => {
    const rng = createRng(5);
    for (let n = 0; n < 300; n++) {
      const s = randomString(rng, n % 23, n % 3 === 0 ? 1 : 0.6);
      const cps = Array.from(s);
      const whole = murmur3(s);
      for (let cut = 0; cut <= cps.length; cut++) {
        const prefix = cps.slice(0, cut).join('');
        const rest = cps.slice(cut).join('');
        assert.equal(murmur3Continue(murmur3Prefix(prefix), rest), whole, `${JSON.stringify(s)} cut ${cut}`);
      }
    }
  });

  it('matches a byte-wise reference over Buffer.from(s, "utf8") for random mixed strings', () => {
    const rng = createRng(17);
    for (let n = 0; n < 3000; n++) {
      const s = randomString(rng, n % 40, [1, 0.9, 0.5, 0][n % 4]!);
      const seed = n % 7 === 0 ? 0x9747b28c : 0;
      assert.equal(murmur3(s, seed), referenceMurmur3(Buffer.from(s, 'utf8'), seed), JSON.stringify(s));
    }
  });

  it('switches from the ASCII fast path to the multi-byte path at every offset within a block', () => {
    for (const special of ['é', '€', '😀']) {
      for (let at = 0; at < 12; at++) {
        const s = 'a'.repeat(at) + special + 'b'.repeat(11 - at);
        assert.equal(murmur3(s), referenceMurmur3(Buffer.from(s, 'utf8'), 0), JSON.stringify(s));
      }
    }
  });

  it('murmur3ContinueModulo equals murmur3Continue % modulo, hashes above 2^31 included', () => {
    const rng = createRng(23);
    let high = 0;
    for (let n = 0; n < 2000; n++) {
      const state = murmur3Prefix(randomString(rng, n % 9, 0.7));
      const s = randomString(rng, n % 31, 0.7);
      const hash = murmur3Continue(state, s);
      if (hash > 0x7fffffff) high++;
      for (const m of [1, 7, 10_000, 0x7fffffff]) assert.equal(murmur3ContinueModulo(state, s, m), hash % m);
    }
    assert.ok(high > 500, 'the sample exercises hashes that do not fit in an int32');
    assert.throws(
      () => murmur3ContinueModulo(murmur3Prefix(''), 'x', 0),
      inputError('modulo', 'modulo: must be an integer in [1, 2^31 - 1], got 0'),
    );
    assert.throws(
      () => murmur3ContinueModulo(murmur3Prefix(''), 'x', 2.5),
      inputError('modulo', 'modulo: must be an integer in [1, 2^31 - 1], got 2.5'),
    );
  });

  it('encodes lone surrogates as U+FFFD, like Buffer.from(s, "utf8")', () => {
    for (const s of ['\ud800', 'a\udc00b', 'abc\ud83d', '\ud83dx\ude00', '\ude00\ud83d', 'abcd\udfffabcd']) {
      const normalised = Buffer.from(s, 'utf8').toString('utf8');
      assert.notEqual(normalised, s);
      assert.equal(murmur3(s), murmur3(normalised), JSON.stringify(s));
    }
  });

  it('distinguishes NFC and NFD spellings: unit ids are hashed as given, never normalised', () => {
    assert.notEqual(murmur3('exp:é'), murmur3('exp:e\u0301'));
  });
});
