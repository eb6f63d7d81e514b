import { StatsInputError } from '../../stats/errors';
import { getBucketRanges } from './bucket-ranges';
import { murmur3Continue, murmur3ContinueModulo, murmur3Prefix } from './murmur3';
import { BUCKET_COUNT, type AllocationConfig, type BucketRange } from './types';
import { validateAllocationConfig } from './validation';

// The trading engine calls `assign` once per prediction request, so everything that depends only on
// the config is done here once: validation, the range layout, a bucket → variant table (O(1) lookup
// whatever the number of variants) and the MurmurHash3 state after the `${salt}:` prefix. Per call
// the assigner only hashes the unit id's bytes and reads one table entry; it returns an existing
// string (or null), so it allocates nothing.

/**
 * Why a unit got (or did not get) a variant, as reported by {@link Assigner.explain}.
 *
 * - `assigned`: in a variant range.
 * - `outside-layer`: the layer bucket is outside this experiment's slice.
 * - `outside-coverage`: eligible, but the bucket is beyond every range at the current coverage.
 */
export type AssignmentReason = 'assigned' | 'outside-layer' | 'outside-coverage';

/**
 * Full detail of one assignment, for logs, audits and cross-language checks (allocates; not for the hot path).
 *
 * ### Examples
 * ```ts
 * compileAssigner({ salt: 'exp-42', variants: ['control', 'treatment'], weights: [0.5, 0.5] }).explain('user-1');
 * // { variant: 'control', hash: 428924505, bucket: 4505, layerBucket: null, reason: 'assigned' }
 * ```
 */
export interface AssignmentDetail<K extends string = string> {
  readonly variant: K | null;
  /** The unit's MurmurHash3 under the experiment salt. */
  readonly hash: number;
  /** `hash % 10000`. */
  readonly bucket: number;
  /** The unit's bucket under the layer salt, or null when the experiment has no layer. */
  readonly layerBucket: number | null;
  readonly reason: AssignmentReason;
}

/**
 * A compiled, immutable experiment allocation: `assign` is the hot path.
 *
 * ### Examples
 * ```ts
 * const assigner = compileAssigner({ salt: 'exp-42', variants: ['control', 'treatment'], weights: [0.5, 0.5] });
 * assigner.assign('user-1'); // 'control' or 'treatment', the same for 'user-1' on every call and every host
 * ```
 */
export interface Assigner<K extends string = string> {
  readonly salt: string;
  readonly variants: readonly K[];
  readonly weights: readonly number[];
  readonly coverage: number;
  /** Variant ranges, index-aligned with `variants`. */
  readonly ranges: readonly BucketRange[];
  /** The unit's variant, or null when it is not in the experiment (outside the layer slice or the coverage). */
  assign(unitId: string): K | null;
  /** The unit's bucket in [0, 10000) under the experiment salt. */
  bucket(unitId: string): number;
  /** Hash, buckets and reason behind `assign(unitId)`. */
  explain(unitId: string): AssignmentDetail<K>;
}

/**
 * Validates an experiment's allocation config and compiles it into an {@link Assigner}, whose
 * `assign(unitId)` is a hash plus a table lookup with no allocation.
 *
 * Weights from an adaptive strategy (Thompson, epsilon-greedy shares) are served the same way:
 * recompute them periodically and compile a new assigner. A weight change moves the range
 * boundaries, so some units change arm at each update; only coverage changes are move-free.
 *
 * ### Examples
 * ```ts
 * const assigner = compileAssigner({
 *   salt: 'exp-42',
 *   variants: ['control', 'treatment'],
 *   weights: [0.5, 0.5],
 *   coverage: 0.2,
 * });
 * assigner.ranges;            // [{ start: 0, end: 1000 }, { start: 5000, end: 6000 }]
 * assigner.assign('user-1');  // null (bucket 4505 is outside the 20% coverage)
 * compileAssigner({ salt: 'exp-42', variants: ['a', 'b'], weights: [0.5, 0.4] });
 * // throws StatsInputError 'weights: must sum to 1, got 0.9'
 * ```
 */
export function compileAssigner<K extends string>(config: AllocationConfig<K>): Assigner<K> {
  validateAllocationConfig(config);
  const variants = Object.freeze([...config.variants]);
  const weights = Object.freeze([...config.weights]);
  const coverage = config.coverage ?? 1;
  const ranges = Object.freeze(getBucketRanges(weights, coverage).map((r) => Object.freeze(r)));
  const table = new Int16Array(BUCKET_COUNT).fill(-1);
  ranges.forEach((range, i) => table.fill(i, range.start, range.end));

  const prefix = murmur3Prefix(`${config.salt}:`);
  const layer = config.layer;
  const layerPrefix = layer === undefined ? null : murmur3Prefix(`${layer.salt}:`);
  const layerStart = layer?.start ?? 0;
  const layerEnd = layer?.end ?? BUCKET_COUNT;

  // A number or undefined id would hash as the bare prefix and pile every such unit into one
  // bucket; the typeof check is one comparison, cheap enough for the hot path.
  const requireString = (unitId: unknown): void => {
    if (typeof unitId !== 'string') {
      throw new StatsInputError(
        'unitId',
        `must be a string, got ${unitId === null ? 'null' : typeof unitId}`,
      );
    }
  };

  const bucket = (unitId: string): number => {
    requireString(unitId);
    return murmur3ContinueModulo(prefix, unitId, BUCKET_COUNT);
  };

  const assign = (unitId: string): K | null => {
    requireString(unitId);
    if (layerPrefix !== null) {
      const layerBucket = murmur3ContinueModulo(layerPrefix, unitId, BUCKET_COUNT);
      if (layerBucket < layerStart || layerBucket >= layerEnd) return null;
    }
    const index = table[murmur3ContinueModulo(prefix, unitId, BUCKET_COUNT)]!;
    return index < 0 ? null : variants[index]!;
  };

  const explain = (unitId: string): AssignmentDetail<K> => {
    requireString(unitId);
    const hash = murmur3Continue(prefix, unitId);
    const b = hash % BUCKET_COUNT;
    const layerBucket =
      layerPrefix === null ? null : murmur3ContinueModulo(layerPrefix, unitId, BUCKET_COUNT);
    if (layerBucket !== null && (layerBucket < layerStart || layerBucket >= layerEnd)) {
      return { variant: null, hash, bucket: b, layerBucket, reason: 'outside-layer' };
    }
    const index = table[b]!;
    if (index < 0) return { variant: null, hash, bucket: b, layerBucket, reason: 'outside-coverage' };
    return { variant: variants[index]!, hash, bucket: b, layerBucket, reason: 'assigned' };
  };

  return Object.freeze({ salt: config.salt, variants, weights, coverage, ranges, assign, bucket, explain });
}
