import { StatsInputError } from '../../stats/errors';
import { murmur3ContinueModulo, murmur3Prefix } from './murmur3';
import { BUCKET_COUNT, type LayerSlice } from './types';
import { validateLayerSlice } from './validation';

// Mutual exclusion (GrowthBook namespaces, Statsig layers): a layer hashes every unit once with its
// own salt into 10,000 layer buckets and hands each experiment a disjoint slice of them. A unit is
// therefore eligible for at most one experiment of the layer. Inside its slice an experiment hashes
// the unit again with the experiment's salt, an independent hash, so variant shares and coverage
// ramps behave exactly as without a layer.

/**
 * One experiment's claim on a layer: layer buckets `[start, end)`.
 *
 * ### Examples
 * ```ts
 * const claim: LayerSliceConfig<'exp-a'> = { experiment: 'exp-a', start: 0, end: 5000 };
 * ```
 */
export interface LayerSliceConfig<E extends string = string> {
  readonly experiment: E;
  readonly start: number;
  readonly end: number;
}

/**
 * A layer: its salt and the disjoint slices its experiments own; buckets no slice claims are free.
 *
 * ### Examples
 * ```ts
 * const config: LayerConfig<'exp-a' | 'exp-b'> = {
 *   salt: 'layer-execution',
 *   slices: [{ experiment: 'exp-a', start: 0, end: 5000 }, { experiment: 'exp-b', start: 5000, end: 10000 }],
 * };
 * ```
 */
export interface LayerConfig<E extends string = string> {
  readonly salt: string;
  readonly slices: readonly LayerSliceConfig<E>[];
}

/**
 * A validated layer: it hands out each experiment's {@link LayerSlice} and tells which experiment,
 * if any, a unit is eligible for.
 *
 * ### Examples
 * ```ts
 * declare const config: LayerConfig<string>;
 * const layer = createLayer(config);
 * layer.experimentFor('user-1'); // 'exp-a', 'exp-b' or null, the same on every call
 * ```
 */
export interface Layer<E extends string = string> {
  readonly salt: string;
  /** The slice to put in the experiment's `AllocationConfig.layer`. */
  sliceFor(experiment: E): LayerSlice;
  /** The experiment whose slice holds the unit, or null when the unit falls in a free bucket. */
  experimentFor(unitId: string): E | null;
  /** The unit's layer bucket in [0, 10000). */
  bucket(unitId: string): number;
}

/**
 * Validates a layer (non-empty salt, whole-bucket slices, distinct experiments, no overlap) and
 * compiles it.
 *
 * ### Examples
 * ```ts
 * const layer = createLayer({
 *   salt: 'layer-execution',
 *   slices: [{ experiment: 'exp-a', start: 0, end: 5000 }, { experiment: 'exp-b', start: 5000, end: 10000 }],
 * });
 * layer.sliceFor('exp-b'); // { salt: 'layer-execution', start: 5000, end: 10000 }
 * createLayer({ salt: 'l', slices: [{ experiment: 'a', start: 0, end: 6000 }, { experiment: 'b', start: 5000, end: 10000 }] });
 * // throws StatsInputError 'slices[1]: [5000, 10000) for "b" overlaps [0, 6000) for "a"'
 * ```
 */
export function createLayer<E extends string>(config: LayerConfig<E>): Layer<E> {
  if (typeof config.salt !== 'string' || config.salt.length === 0) {
    throw new StatsInputError('salt', `must be a non-empty string, got ${JSON.stringify(config.salt)}`);
  }
  if (!Array.isArray(config.slices) || config.slices.length === 0) {
    throw new StatsInputError('slices', 'must have at least 1 slice, got 0');
  }
  const owner = new Int16Array(BUCKET_COUNT).fill(-1);
  const slices = new Map<E, LayerSlice>();
  config.slices.forEach((claim, i) => {
    const slice: LayerSlice = Object.freeze({ salt: config.salt, start: claim.start, end: claim.end });
    validateLayerSlice(slice, `slices[${i}]`);
    if (typeof claim.experiment !== 'string' || claim.experiment.length === 0) {
      throw new StatsInputError(
        `slices[${i}].experiment`,
        `must be a non-empty string, got ${JSON.stringify(claim.experiment)}`,
      );
    }
    if (slices.has(claim.experiment)) {
      throw new StatsInputError(
        'slices',
        `experiments must be distinct, got ${JSON.stringify(claim.experiment)} twice`,
      );
    }
    for (let b = claim.start; b < claim.end; b++) {
      const other = owner[b]!;
      if (other >= 0) {
        const o = config.slices[other]!;
        throw new StatsInputError(
          `slices[${i}]`,
          `[${claim.start}, ${claim.end}) for ${JSON.stringify(claim.experiment)} overlaps [${o.start}, ${o.end}) for ${JSON.stringify(o.experiment)}`,
        );
      }
      owner[b] = i;
    }
    slices.set(claim.experiment, slice);
  });
  const experiments = config.slices.map((s) => s.experiment);
  const prefix = murmur3Prefix(`${config.salt}:`);
  const bucket = (unitId: string): number => murmur3ContinueModulo(prefix, unitId, BUCKET_COUNT);
  return {
    salt: config.salt,
    sliceFor(experiment) {
      const slice = slices.get(experiment);
      if (slice === undefined) {
        throw new StatsInputError(
          'experiment',
          `${JSON.stringify(experiment)} has no slice in layer ${JSON.stringify(config.salt)}`,
        );
      }
      return slice;
    },
    experimentFor(unitId) {
      const index = owner[bucket(unitId)]!;
      return index < 0 ? null : experiments[index]!;
    },
    bucket,
  };
}
