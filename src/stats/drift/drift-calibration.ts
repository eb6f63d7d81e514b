import { StatsInputError } from '../errors';
import { createRng } from '../random';
import { lag1Autocorrelation } from './effective-sample-size';
import { featureStatistic, chooseMethod } from './feature-statistic';
import { fitReferenceProfile, type ReferenceProfile } from './reference-profile';
import { resolveDriftPolicy, type DriftMethod, type DriftPolicy } from './drift-policy';

/** The null distribution of one feature's statistic, and the threshold taken from it. */
export interface FeatureNull {
  method: DriftMethod;
  /** Mean and standard deviation of the statistic over the null replicates. */
  mean: number;
  std: number;
  /** mean + multiplier·std: the feature drifts when its statistic is above this. */
  threshold: number;
  /** Lag-1 autocorrelation of the reference series (what sized the bootstrap blocks). */
  lag1: number;
}

/**
 * Drift thresholds taken from the reference's own variation, for current windows of `chunkRows`
 * rows. Pass it to {@link detectDrift} to decide on these thresholds instead of the fixed ones.
 */
export interface DriftCalibration {
  /**
   * 'reference-chunks': disjoint chunks of `chunkRows` consecutive reference rows, each scored
   * against the reference profile (NannyML); used when the reference holds at least
   * `minChunks` of them. 'block-bootstrap': a pseudo-reference and a pseudo-window are both drawn
   * as circular moving blocks of `blockLength` rows from the reference series, and scored against
   * each other.
   */
  kind: 'reference-chunks' | 'block-bootstrap';
  chunkRows: number;
  replicates: number;
  blockLength: number;
  multiplier: number;
  features: Record<string, FeatureNull>;
  /**
   * Share of features above their thresholds in the same replicates (the rows of a replicate are
   * the same for every feature, so correlated features move together here as they do live). The
   * dataset threshold is max(policy share, mean + multiplier·std).
   */
  share: { mean: number; std: number; threshold: number };
  /**
   * The largest standardised statistic over features, zₓ = (statistic − mean)/std, in the same
   * replicates; threshold mean + multiplier·std. A change confined to a few features (a volatility
   * shift moves the volatility features long before half of all features) is caught by this max
   * rule, and the replicates price in how many correlated features compete for the max.
   */
  maxZ: { mean: number; std: number; threshold: number };
}

/** Options of {@link calibrateDriftThresholds}. */
export interface DriftCalibrationOptions {
  /** Rows of the current window the thresholds are for. */
  chunkRows: number;
  /** The policy the check uses (methods, share floor). */
  policy?: DriftPolicy;
  /** k of mean + k·σ (NannyML's StandardDeviationThreshold). @default 3 */
  multiplier?: number;
  /** k of the max-z rule's threshold, mean + k·σ of the replicates' max z. @default multiplier */
  maxZMultiplier?: number;
  /** Bootstrap replicates when the reference is too short for chunks. @default 100 */
  replicates?: number;
  /** Disjoint chunks needed to use them instead of the bootstrap. @default 10 */
  minChunks?: number;
  /**
   * Fixed block length; default max(⌈n^{1/3}⌉, ⌈2(1 + ρ)/(1 − ρ)⌉), ρ the largest lag-1
   * autocorrelation, at most ⌊n/16⌋ (and a quarter of the window), so the reference holds at least
   * 16 blocks: see {@link defaultBlockLength}.
   */
  blockLength?: number;
  /** @default 1 */
  seed?: number;
}

/**
 * Calibrates per-feature drift thresholds and the dataset share threshold on the reference's own
 * variation, so that the null carries the same autocorrelation as live windows (dependent-data.md
 * §4). `referenceColumns` are the reference rows in time order (the rows the profiles were fitted
 * on, or the same period recomputed); every profiled feature needs a column of the same length.
 * Throws a {@link StatsInputError} when the reference is shorter than two blocks or two windows'
 * worth of blocks cannot be drawn (the caller then falls back to fixed thresholds and says so).
 *
 * ### Examples
 * ```ts
 * import { detectDrift } from './detect-drift';
 * declare const ref: readonly string[] | ArrayLike<number>;
 * declare const window: import('./profile-statistics').CurrentColumn;
 * const cal = calibrateDriftThresholds({ x: fitReferenceProfile(ref) }, { x: ref }, { chunkRows: 200 });
 * detectDrift({ x: fitReferenceProfile(ref) }, { x: window }, {}, cal).drifted;
 * ```
 */
export function calibrateDriftThresholds(
  profiles: Record<string, ReferenceProfile>,
  referenceColumns: Record<string, ArrayLike<number> | readonly string[]>,
  options: DriftCalibrationOptions,
): DriftCalibration {
  const resolved = resolveDriftPolicy(options.policy ?? {});
  const chunkRows = options.chunkRows;
  if (!Number.isInteger(chunkRows) || chunkRows < 2) {
    throw new StatsInputError('options.chunkRows', `must be an integer ≥ 2, got ${chunkRows}`);
  }
  const multiplier = options.multiplier ?? 3;
  if (!(multiplier > 0) || !Number.isFinite(multiplier)) {
    throw new StatsInputError('options.multiplier', `must be a positive number, got ${multiplier}`);
  }
  const maxZMultiplier = options.maxZMultiplier ?? multiplier;
  if (!(maxZMultiplier > 0) || !Number.isFinite(maxZMultiplier)) {
    throw new StatsInputError('options.maxZMultiplier', `must be a positive number, got ${maxZMultiplier}`);
  }
  const names = Object.keys(profiles);
  if (names.length === 0) throw new StatsInputError('profiles', 'must name at least one feature');
  let n = -1;
  for (const name of names) {
    const column = referenceColumns[name];
    if (column === undefined) {
      throw new StatsInputError(
        `referenceColumns.${name}`,
        'is missing: every profiled feature needs its reference series',
      );
    }
    if (n === -1) n = column.length;
    else if (column.length !== n) {
      throw new StatsInputError(`referenceColumns.${name}`, `has ${column.length} rows, the others ${n}`);
    }
  }
  const lags = names.map((name) => {
    const column = referenceColumns[name]!;
    return typeof column[0] === 'number' ? lag1Autocorrelation(column as ArrayLike<number>) : 0;
  });
  const rhoMax = Math.min(0.99, Math.max(0, ...lags));
  const blockLength = options.blockLength ?? defaultBlockLength(n, chunkRows, rhoMax);
  if (!Number.isInteger(blockLength) || blockLength < 1) {
    throw new StatsInputError('options.blockLength', `must be a positive integer, got ${blockLength}`);
  }
  if (n < 2 * blockLength || n < 30) {
    throw new StatsInputError(
      'referenceColumns',
      `${n} reference rows are too few to calibrate thresholds (need at least ${Math.max(30, 2 * blockLength)})`,
    );
  }
  const methods = names.map((name) => chooseMethod(profiles[name]!, name, resolved));
  const minChunks = options.minChunks ?? 10;
  const chunks = Math.floor(n / chunkRows);
  const kind: DriftCalibration['kind'] = chunks >= minChunks ? 'reference-chunks' : 'block-bootstrap';
  const replicates = kind === 'reference-chunks' ? chunks : (options.replicates ?? 100);
  if (!Number.isInteger(replicates) || replicates < 2) {
    throw new StatsInputError('options.replicates', `must be an integer ≥ 2, got ${replicates}`);
  }

  // stats[f][r]: the statistic of feature f in replicate r.
  const stats = names.map(() => new Float64Array(replicates));
  const rng = createRng(options.seed ?? 1);
  for (let r = 0; r < replicates; r++) {
    if (kind === 'reference-chunks') {
      const from = r * chunkRows;
      names.forEach((name, f) => {
        const chunk = slice(referenceColumns[name]!, from, from + chunkRows);
        stats[f]![r] = featureStatistic(profiles[name]!, chunk, methods[f]!.method, name);
      });
      continue;
    }
    // The same block starts for every feature, so the replicate keeps their cross-correlation.
    const refIdx = blockIndices(n, n, blockLength, rng);
    const curIdx = blockIndices(n, chunkRows, blockLength, rng);
    names.forEach((name, f) => {
      const column = referenceColumns[name]!;
      const profile = profiles[name]!;
      const pseudoRef = gather(column, refIdx);
      const pseudoProfile =
        profile.type === 'numeric'
          ? fitReferenceProfile(pseudoRef as Float64Array, {
              psiBins: profile.psiBins,
              sampleSize: profile.sample.length,
            })
          : fitReferenceProfile(pseudoRef as string[], { type: 'categorical' });
      stats[f]![r] = featureStatistic(pseudoProfile, gather(column, curIdx), methods[f]!.method, name);
    });
  }

  const features: Record<string, FeatureNull> = {};
  const thresholds = names.map((name, f) => {
    const { mean, std } = meanStd(stats[f]!);
    const threshold = mean + multiplier * std;
    features[name] = { method: methods[f]!.method, mean, std, threshold, lag1: lags[f]! };
    return threshold;
  });
  const shares = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    let above = 0;
    for (let f = 0; f < names.length; f++) if (stats[f]![r]! > thresholds[f]!) above++;
    shares[r] = above / names.length;
  }
  const share = meanStd(shares);
  const maxZs = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    let best = -Infinity;
    names.forEach((name, f) => {
      const z = standardise(stats[f]![r]!, features[name]!);
      if (z > best) best = z;
    });
    maxZs[r] = best;
  }
  const maxZ = meanStd(maxZs);
  return {
    kind,
    chunkRows,
    replicates,
    blockLength,
    multiplier,
    features,
    share: {
      mean: share.mean,
      std: share.std,
      threshold: Math.min(1, Math.max(resolved.share, share.mean + multiplier * share.std)),
    },
    maxZ: { mean: maxZ.mean, std: maxZ.std, threshold: maxZ.mean + maxZMultiplier * maxZ.std },
  };
}

/**
 * The bootstrap block length: max(⌈chunkRows^{1/3}⌉, ⌈2(1 + ρ)/(1 − ρ)⌉) for the largest lag-1
 * autocorrelation ρ (capped at 0.99), at most a quarter of the window and ⌊n/16⌋ rows.
 *
 * Why the n/16 cap: the features are overlapping 5–20-bar windows, so ρ is 0.95–0.99 and the
 * autocorrelation rule asks for 80–400 rows. With the previous cap of n/4, a 2,000-row reference
 * was cut into 5 blocks of 360 rows; a pseudo-reference and a pseudo-window drawn from 5 blocks
 * are mostly the same rows, so the null was too narrow, most of all for the slow features of a
 * trending market (bench/drift-validity.bench.ts: 0.10 of hourly checks drifted on a stationary
 * trending market, 3.25 retraining requests per 30 days; with 16 blocks 0.01). Sixteen blocks
 * keep the replicates' rows varied while each block still spans several feature windows.
 */
export function defaultBlockLength(n: number, chunkRows: number, rho: number): number {
  const r = Math.min(0.99, Math.max(0, rho));
  const wanted = Math.max(Math.ceil(Math.cbrt(chunkRows)), Math.ceil((2 * (1 + r)) / (1 - r)));
  return Math.max(1, Math.min(Math.floor(Math.min(n, chunkRows) / 4), Math.floor(n / 16), wanted));
}

/** (statistic − mean)/std of a feature's null; a degenerate null (std 0) standardises by a tiny floor. */
export function standardise(statistic: number, feature: Pick<FeatureNull, 'mean' | 'std'>): number {
  const floor = 1e-12 * Math.max(1, Math.abs(feature.mean));
  return (statistic - feature.mean) / Math.max(feature.std, floor);
}

/** Row indices of `size` rows made of circular moving blocks of `length` from a series of `n`. */
function blockIndices(n: number, size: number, length: number, rng: { next(): number }): Uint32Array {
  const out = new Uint32Array(size);
  let k = 0;
  while (k < size) {
    const start = Math.floor(rng.next() * n);
    for (let j = 0; j < length && k < size; j++) out[k++] = (start + j) % n;
  }
  return out;
}

function gather(column: ArrayLike<number> | readonly string[], idx: Uint32Array): Float64Array | string[] {
  if (typeof column[0] === 'string') return Array.from(idx, (i) => (column as readonly string[])[i]!);
  const out = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = (column as ArrayLike<number>)[idx[k]!]!;
  return out;
}

function slice(
  column: ArrayLike<number> | readonly string[],
  from: number,
  to: number,
): Float64Array | string[] {
  if (typeof column[0] === 'string') return (column as readonly string[]).slice(from, to);
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = (column as ArrayLike<number>)[i]!;
  return out;
}

function meanStd(values: Float64Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  // Sample standard deviation (ddof = 1), as NannyML's thresholds.
  return { mean, std: Math.sqrt(ss / Math.max(1, values.length - 1)) };
}
