import { StatsInputError } from '../errors';
import type { PValueCorrection } from './multiple-testing';
import { describe } from './validate';

/** A per-feature drift test. 'ks' and 'chisquare' give p-values; the others give distance scores. */
export type DriftMethod = 'ks' | 'wasserstein' | 'psi' | 'jensenshannon' | 'chisquare';

/** A per-feature method choice with an optional threshold of its own. */
export interface DriftMethodOverride {
  method: DriftMethod;
  /** p-value level for 'ks'/'chisquare', score level otherwise; defaults to the method's default. */
  threshold?: number;
}

/** How {@link detectDrift} tests each feature and decides for the dataset. All fields optional. */
export interface DriftPolicy {
  /**
   * The dataset drifts when drifted features ÷ tested features ≥ share (Evidently's `drift_share`).
   * @default 0.5
   */
  share?: number;
  /**
   * Multiple-testing adjustment of the p-values of this call's p-value features before each is
   * compared with its level. Benjamini–Hochberg controls the false discovery rate without
   * Bonferroni's loss of power; Evidently applies none.
   * @default 'bh'
   */
  correction?: PValueCorrection;
  /**
   * Reference rows up to which the small-sample tests are picked (KS for numeric, χ² for
   * categorical); above it normalised Wasserstein and Jensen–Shannon, as Evidently.
   * @default 1000
   */
  largeSampleRows?: number;
  /**
   * Current rows below which a feature is not tested but listed in `skipped` as 'too-few-rows'.
   * @default 30
   */
  minRows?: number;
  /**
   * KS p-values from effective sizes n·(1 − ρ)/(1 + ρ) (lag-1 autocorrelation ρ) instead of the row
   * counts. `false` is the iid test, which over-rejects on autocorrelated features.
   * @default true
   */
  effectiveSampleSize?: boolean;
  /**
   * With calibrated thresholds, how the dataset decides: 'share' (drifted share ≥ the share
   * threshold) or 'share-or-max' (also when the largest standardised statistic is above its
   * calibrated threshold, see DriftCalibration.maxZ). Without a calibration always 'share'.
   * @default 'share-or-max'
   */
  datasetRule?: 'share' | 'share-or-max';
  /** Per-feature method (and threshold) overriding the automatic choice. */
  methods?: Record<string, DriftMethod | DriftMethodOverride>;
  /** Per-method default thresholds overriding {@link DEFAULT_DRIFT_THRESHOLDS}. */
  thresholds?: Partial<Record<DriftMethod, number>>;
}

/**
 * Default thresholds: p < 0.05 for the tests (Evidently's 0.95 confidence), score ≥ 0.1 for
 * normalised Wasserstein and Jensen–Shannon (Evidently), ≥ 0.2 for PSI (the "significant" band).
 */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = Object.freeze({
  ks: 0.05,
  chisquare: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.2,
});

const METHODS: readonly DriftMethod[] = ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare'];

/** Whether a method yields a p-value (drift when p < threshold) rather than a score (drift when ≥). */
export function isPValueMethod(method: DriftMethod): boolean {
  return method === 'ks' || method === 'chisquare';
}

/** A policy with every default filled in and every field checked. */
export interface ResolvedDriftPolicy {
  share: number;
  correction: PValueCorrection;
  largeSampleRows: number;
  minRows: number;
  methods: Map<string, { method: DriftMethod; threshold: number }>;
  thresholds: Record<DriftMethod, number>;
}

/** Fills in defaults and throws a {@link StatsInputError} naming the first bad policy field. */
export function resolveDriftPolicy(policy: DriftPolicy = {}): ResolvedDriftPolicy {
  const share = policy.share ?? 0.5;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) {
    throw new StatsInputError('policy.share', `must be a number in (0, 1], got ${describe(share)}`);
  }
  const correction = policy.correction ?? 'bh';
  if (correction !== 'none' && correction !== 'bonferroni' && correction !== 'bh') {
    throw new StatsInputError(
      'policy.correction',
      `must be 'none', 'bonferroni' or 'bh', got ${describe(correction)}`,
    );
  }
  if (
    policy.datasetRule !== undefined &&
    policy.datasetRule !== 'share' &&
    policy.datasetRule !== 'share-or-max'
  ) {
    throw new StatsInputError(
      'policy.datasetRule',
      `must be 'share' or 'share-or-max', got ${describe(policy.datasetRule)}`,
    );
  }
  const largeSampleRows = policy.largeSampleRows ?? 1000;
  if (!Number.isInteger(largeSampleRows) || largeSampleRows < 0) {
    throw new StatsInputError(
      'policy.largeSampleRows',
      `must be a non-negative integer, got ${describe(largeSampleRows)}`,
    );
  }
  const minRows = policy.minRows ?? 30;
  if (!Number.isInteger(minRows) || minRows < 1) {
    throw new StatsInputError('policy.minRows', `must be a positive integer, got ${describe(minRows)}`);
  }
  const thresholds = { ...DEFAULT_DRIFT_THRESHOLDS };
  for (const [method, value] of Object.entries(policy.thresholds ?? {})) {
    const m = checkMethod(method, 'policy.thresholds');
    thresholds[m] = checkThreshold(m, value, `policy.thresholds.${m}`);
  }
  const methods = new Map<string, { method: DriftMethod; threshold: number }>();
  for (const [name, choice] of Object.entries(policy.methods ?? {})) {
    const argument = `policy.methods.${name}`;
    const spec = typeof choice === 'string' ? { method: choice } : choice;
    if (spec === null || typeof spec !== 'object') {
      throw new StatsInputError(
        argument,
        `must be a method name or { method, threshold }, got ${describe(choice)}`,
      );
    }
    const method = checkMethod(spec.method, argument);
    const threshold =
      spec.threshold === undefined
        ? thresholds[method]
        : checkThreshold(method, spec.threshold, `${argument}.threshold`);
    methods.set(name, { method, threshold });
  }
  return { share, correction, largeSampleRows, minRows, methods, thresholds };
}

function checkMethod(method: unknown, argument: string): DriftMethod {
  if (!METHODS.includes(method as DriftMethod)) {
    throw new StatsInputError(argument, `must name one of ${METHODS.join(', ')}; got ${describe(method)}`);
  }
  return method as DriftMethod;
}

function checkThreshold(method: DriftMethod, value: unknown, argument: string): number {
  if (isPValueMethod(method)) {
    if (typeof value !== 'number' || !(value > 0 && value < 1)) {
      throw new StatsInputError(argument, `must be a p-value level in (0, 1), got ${describe(value)}`);
    }
  } else if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new StatsInputError(argument, `must be a positive finite score, got ${describe(value)}`);
  }
  return value;
}
