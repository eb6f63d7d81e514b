/**
 * Number of hash buckets a unit can land in: the allocation resolution is 1e-4 of traffic.
 */
export const BUCKET_COUNT = 10_000;

/**
 * Version of the bucketing algorithm (MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes of
 * `${salt}:${unitId}`, modulo 10,000, ranges laid out as in {@link BucketRange}). Any change that
 * moves a unit must bump it and regenerate `test/fixtures/allocation/golden-vectors.json`.
 */
export const ALLOCATION_HASH_VERSION = 1;

/**
 * How an experiment spreads traffic over its variants.
 *
 * - `hash`: deterministic, sticky per unit (the hot path).
 * - `random`: a fresh weighted draw per request from a seeded generator.
 * - `epsilon-greedy`: best observed arm with probability 1 − ε, otherwise a uniform pick among the others.
 * - `thompson`: batch Thompson-sampling weights, recomputed periodically and served through `hash`.
 */
export type AllocationStrategy = 'hash' | 'random' | 'epsilon-greedy' | 'thompson';

/**
 * A half-open bucket interval `[start, end)`, in whole buckets out of {@link BUCKET_COUNT}; an empty
 * range has `start === end`.
 *
 * ### Examples
 * ```ts
 * const firstHalf: BucketRange = { start: 0, end: 5000 };
 * ```
 */
export interface BucketRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The slice of a layer an experiment owns: a unit takes part only if the hash of
 * `${salt}:${unitId}` modulo 10,000 falls in `[start, end)`. Built by `createLayer` so that the
 * slices of one layer never overlap.
 *
 * ### Examples
 * ```ts
 * const slice: LayerSlice = { salt: 'layer-execution', start: 0, end: 5000 };
 * ```
 */
export interface LayerSlice extends BucketRange {
  /** Salt of the layer, shared by every experiment in it and different from each experiment's own salt. */
  readonly salt: string;
}

/**
 * Everything needed to assign units of one experiment deterministically.
 *
 * ### Examples
 * ```ts
 * const config: AllocationConfig<'control' | 'treatment'> = {
 *   salt: 'exp-42',
 *   variants: ['control', 'treatment'],
 *   weights: [0.5, 0.5],
 *   coverage: 0.1,
 * };
 * ```
 */
export interface AllocationConfig<K extends string = string> {
  /** Per-experiment salt; two experiments with the same salt put the same units in the same buckets. */
  readonly salt: string;
  /** Variant keys, distinct and non-empty; their order fixes the range layout, so never reorder a live experiment. */
  readonly variants: readonly K[];
  /** One weight per variant: finite, ≥ 0, summing to 1 within 1e-9. */
  readonly weights: readonly number[];
  /**
   * Share of the (layer-eligible) units that enter the experiment, in [0, 1]. Raising it only adds units.
   * @default 1
   */
  readonly coverage?: number;
  /** Mutual exclusion: when set, only units in this layer slice are considered. */
  readonly layer?: LayerSlice;
}

/**
 * Observed performance of one arm, as the adaptive strategies read it.
 *
 * ### Examples
 * ```ts
 * const arm: ArmObservation = { n: 1200, mean: 0.013 };
 * ```
 */
export interface ArmObservation {
  /** Units (or rewards) observed; an arm with `n === 0` has no mean yet. */
  readonly n: number;
  /** Mean reward over those units; ignored when `n === 0`. */
  readonly mean: number;
}
