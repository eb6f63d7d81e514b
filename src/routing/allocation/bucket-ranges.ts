import { BUCKET_COUNT, type BucketRange } from './types';
import { validateUnitInterval, validateWeights } from './validation';

// Layout (GrowthBook's getBucketRanges, in whole buckets):
//   1. slot boundaries b_0 = 0, b_i = ⌊10000 · (w_0 + … + w_{i−1}) + 0.5⌋, b_K = 10000
//      (sums left to right in float64, so every language gets the same boundaries);
//   2. variant i owns [b_i, b_i + ⌊coverage · (b_{i+1} − b_i) + 0.5⌋).
// Each range starts at a fixed point and only grows with coverage, so a ramp 1% → 5% → 50% only
// adds units: an enrolled unit never changes arm. Laying the enrolled share out as one contiguous
// block split by weight would instead move units across arms at every step.

/**
 * The bucket range of each variant for the given weights and coverage, laid out so that raising
 * coverage only adds units and never moves an enrolled unit to another variant.
 *
 * ### Examples
 * ```ts
 * getBucketRanges([0.5, 0.5]);       // [{ start: 0, end: 5000 }, { start: 5000, end: 10000 }]
 * getBucketRanges([0.5, 0.5], 0.1);  // [{ start: 0, end: 500 }, { start: 5000, end: 5500 }]
 * getBucketRanges([0.7, 0.3], 1.2);  // throws StatsInputError 'coverage: must be a number in [0, 1], got 1.2'
 * ```
 */
export function getBucketRanges(weights: readonly number[], coverage = 1): BucketRange[] {
  validateWeights(weights);
  validateUnitInterval('coverage', coverage);
  const ranges: BucketRange[] = [];
  let cumulative = 0;
  let start = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i]!;
    const next = i === weights.length - 1 ? BUCKET_COUNT : Math.floor(BUCKET_COUNT * cumulative + 0.5);
    const slot = next - start;
    ranges.push({ start, end: start + Math.floor(coverage * slot + 0.5) });
    start = next;
  }
  return ranges;
}

/**
 * Index of the range containing `bucket`, or -1 when the bucket is outside every range (the unit is
 * not enrolled).
 *
 * ### Examples
 * ```ts
 * const ranges = getBucketRanges([0.5, 0.5], 0.1);
 * findRangeIndex(ranges, 5123); // 1
 * findRangeIndex(ranges, 600);  // -1
 * ```
 */
export function findRangeIndex(ranges: readonly BucketRange[], bucket: number): number {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!;
    if (bucket >= range.start && bucket < range.end) return i;
  }
  return -1;
}
