import { StatsInputError } from '../../stats/errors';
import { BUCKET_COUNT, type AllocationConfig, type LayerSlice } from './types';

// Bad weights or coverage are a configuration bug, and the router is the last place to notice it:
// every check throws a StatsInputError naming the field instead of clamping (GrowthBook silently
// falls back to equal weights, which would hide a broken rollout behind plausible-looking traffic).

/** Tolerance on Σ weights = 1; loose enough for decimal fractions like 0.1 × 10, tight enough to catch typos. */
const WEIGHT_SUM_TOLERANCE = 1e-9;

/**
 * Checks that `variants` is a non-empty list of distinct, non-empty keys that fits in the buckets.
 *
 * ### Examples
 * ```ts
 * validateVariants(['control', 'treatment']); // returns, nothing thrown
 * validateVariants(['a', 'a']); // throws StatsInputError 'variants: keys must be distinct, got "a" twice'
 * ```
 */
export function validateVariants(variants: readonly string[]): void {
  if (!Array.isArray(variants) || variants.length === 0) {
    throw new StatsInputError(
      'variants',
      `must have at least 1 variant, got ${Array.isArray(variants) ? 0 : typeof variants}`,
    );
  }
  if (variants.length > BUCKET_COUNT) {
    throw new StatsInputError(
      'variants',
      `must have at most ${BUCKET_COUNT} variants, got ${variants.length}`,
    );
  }
  const seen = new Set<string>();
  variants.forEach((key, i) => {
    if (typeof key !== 'string' || key.length === 0) {
      throw new StatsInputError(`variants[${i}]`, `must be a non-empty string, got ${JSON.stringify(key)}`);
    }
    if (seen.has(key))
      throw new StatsInputError('variants', `keys must be distinct, got ${JSON.stringify(key)} twice`);
    seen.add(key);
  });
}

/**
 * Checks that `weights` are finite, ≥ 0 and sum to 1 within 1e-9, and, when `count` is given, that
 * there is one weight per variant; errors name `field`.
 *
 * ### Examples
 * ```ts
 * validateWeights([0.5, 0.5], 2); // returns, nothing thrown
 * validateWeights([0.5, 0.4]); // throws StatsInputError 'weights: must sum to 1, got 0.9'
 * ```
 */
export function validateWeights(weights: readonly number[], count?: number, field = 'weights'): void {
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new StatsInputError(field, 'must be a non-empty array of numbers');
  }
  if (count !== undefined && weights.length !== count) {
    throw new StatsInputError(field, `must have one weight per variant (${count}), got ${weights.length}`);
  }
  let sum = 0;
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new StatsInputError(`${field}[${i}]`, `must be a finite number >= 0, got ${w}`);
    }
    sum += w;
  });
  if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) throw new StatsInputError(field, `must sum to 1, got ${sum}`);
}

/**
 * Checks that `value` is a number in [0, 1], naming `field` in the error.
 *
 * ### Examples
 * ```ts
 * validateUnitInterval('coverage', 0.25); // returns, nothing thrown
 * validateUnitInterval('coverage', 1.5); // throws StatsInputError 'coverage: must be a number in [0, 1], got 1.5'
 * ```
 */
export function validateUnitInterval(field: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new StatsInputError(field, `must be a number in [0, 1], got ${value}`);
  }
}

/**
 * Checks a layer slice: a non-empty salt and whole-bucket bounds with 0 ≤ start < end ≤ 10000.
 *
 * ### Examples
 * ```ts
 * validateLayerSlice({ salt: 'layer-1', start: 0, end: 5000 }); // returns, nothing thrown
 * validateLayerSlice({ salt: 'layer-1', start: 0, end: 0.5 }); // throws StatsInputError 'layer.end: must be an integer in [1, 10000], got 0.5'
 * ```
 */
export function validateLayerSlice(slice: LayerSlice, field = 'layer'): void {
  if (typeof slice.salt !== 'string' || slice.salt.length === 0) {
    throw new StatsInputError(
      `${field}.salt`,
      `must be a non-empty string, got ${JSON.stringify(slice.salt)}`,
    );
  }
  if (!Number.isInteger(slice.start) || slice.start < 0 || slice.start >= BUCKET_COUNT) {
    throw new StatsInputError(
      `${field}.start`,
      `must be an integer in [0, ${BUCKET_COUNT - 1}], got ${slice.start}`,
    );
  }
  if (!Number.isInteger(slice.end) || slice.end < 1 || slice.end > BUCKET_COUNT) {
    throw new StatsInputError(`${field}.end`, `must be an integer in [1, ${BUCKET_COUNT}], got ${slice.end}`);
  }
  if (slice.end <= slice.start) {
    throw new StatsInputError(
      `${field}.end`,
      `must be greater than start (${slice.start}), got ${slice.end}`,
    );
  }
}

/**
 * Checks a whole experiment allocation config; the messages name the offending field.
 *
 * ### Examples
 * ```ts
 * validateAllocationConfig({ salt: 'exp-1', variants: ['a', 'b'], weights: [0.5, 0.5] }); // returns
 * validateAllocationConfig({ salt: 'exp-1', variants: ['a', 'b'], weights: [0.5, 0.5], coverage: -1 });
 * // throws StatsInputError 'coverage: must be a number in [0, 1], got -1'
 * ```
 */
export function validateAllocationConfig(config: AllocationConfig): void {
  if (typeof config.salt !== 'string' || config.salt.length === 0) {
    throw new StatsInputError('salt', `must be a non-empty string, got ${JSON.stringify(config.salt)}`);
  }
  validateVariants(config.variants);
  validateWeights(config.weights, config.variants.length);
  if (config.coverage !== undefined) validateUnitInterval('coverage', config.coverage);
  if (config.layer !== undefined) {
    validateLayerSlice(config.layer);
    // Same salt would make the layer bucket equal the experiment bucket: a slice [0, 5000) would
    // then only ever see the low half of the variant ranges.
    if (config.layer.salt === config.salt) {
      throw new StatsInputError(
        'layer.salt',
        `must differ from the experiment salt, got ${JSON.stringify(config.salt)} for both`,
      );
    }
  }
}
