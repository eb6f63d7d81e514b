/**
 * The per-tree row sampling of the boosting loop, on its own copy of the project's generator
 * (`createRng` in src/stats/random.ts: sfc32 seeded through splitmix32). A fresh generator per
 * tree means a fresh `next` closure per tree, which V8 does not inline, and a call per fit row
 * cost 12 ns of the ~2 ns the arithmetic needs: 80,000 calls per tree were a sixteenth of a
 * GBDT's training time. Here the state lives in locals through the row loop. The stream is
 * the same number for number (test/unit/ml/tree-sampling.test.ts compares it with createRng),
 * so the sampled rows, and therefore the trees, are unchanged.
 */

/** sfc32 state (a, b, c, d) as int32s. */
export type Sfc32State = Int32Array;

/**
 * The state `createRng(seed)` starts from: four splitmix32 outputs, then twelve discarded draws.
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const state = sfc32State(7);
 * nextUniform(state) === createRng(7).next(); // true
 * ```
 */
export function sfc32State(seed: number): Sfc32State {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return z ^ (z >>> 16);
  };
  const state = Int32Array.of(splitmix(), splitmix(), splitmix(), splitmix());
  for (let i = 0; i < 12; i++) nextUniform(state);
  return state;
}

/**
 * The next uniform draw on [0, 1), advancing `state` (one `rng.next()` of createRng).
 *
 * ### Examples
 * ```ts
 * nextUniform(sfc32State(7)); // 0.…, the first value of createRng(7)
 * ```
 */
export function nextUniform(state: Sfc32State): number {
  const a = state[0]!;
  const b = state[1]!;
  let c = state[2]!;
  const d = state[3]!;
  const t = (((a + b) | 0) + d) | 0;
  state[3] = (d + 1) | 0;
  state[0] = b ^ (b >>> 9);
  state[1] = (c + (c << 3)) | 0;
  c = (c << 21) | (c >>> 11);
  state[2] = (c + t) | 0;
  return (t >>> 0) / 4294967296;
}

/**
 * Bernoulli(`subsample`) row sampling for one tree: row i (in 0…n−1, ascending) is drawn when
 * its uniform draw is below `subsample`, exactly as `if (rng.next() < subsample)` row by row.
 * Fills `drawn` and `left` (the rows not drawn) and returns how many were drawn; `state` is
 * advanced past the n draws. Branch-free: every row is written to both lists and only the
 * matching count moves (the draw is a coin flip the CPU cannot predict).
 *
 * ### Examples
 * ```ts
 * declare const drawn: Uint32Array;
 * declare const left: Uint32Array;
 * const count = sampleRows(sfc32State(7), 1000, 0.8, drawn, left); // ≈ 800
 * ```
 */
export function sampleRows(
  state: Sfc32State,
  n: number,
  subsample: number,
  drawn: Uint32Array,
  left: Uint32Array,
): number {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let count = 0;
  let leftCount = 0;
  // u / 2³² < subsample ⇔ u < subsample · 2³²: both scalings by a power of two are exact, so the
  // comparison is the same without a division per row.
  const threshold = subsample * 4294967296;
  for (let i = 0; i < n; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const take = Number(t >>> 0 < threshold);
    drawn[count] = i;
    left[leftCount] = i;
    count += take;
    leftCount += 1 - take;
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
  return count;
}
