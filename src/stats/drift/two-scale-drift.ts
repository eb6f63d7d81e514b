import { StatsInputError } from '../errors';
import { calibrateDriftThresholds, type DriftCalibration } from './drift-calibration';
import { detectDrift, type DriftReport } from './detect-drift';
import type { DriftPolicy } from './drift-policy';
import type { ReferenceProfile } from './reference-profile';

/**
 * The calibrated drift check at two scales: the whole window (a day of rows) and its newest rows
 * (an hour).
 *
 * Why a second, short window: a change that began minutes ago is a few per cent of a day's rows and
 * moves no distribution statistic of the whole window (a 2.5× volatility shift 48 bars before an
 * hourly check of a 1,440-row window is 3% of its rows). The newest rows, tested on their own
 * against thresholds calibrated at their own size, see it at the first check after it.
 *
 * Why these thresholds (bench/drift-validity.bench.ts, stationary markets, old and new in one run):
 * - the whole window: each feature at mean + 4σ of its null, the share rule as before, and the
 *   max-z rule at mean + 12σ. The reference is 2,000 rows, so in some runs it sits in a calm or busy
 *   stretch and every later window differs from it in the volatility features together, by a max z
 *   of up to about 10 σ of the null's max z; at mean + 3σ both rules flagged those runs' windows for
 *   days (stationary mean-reverting, volatile, trending markets: 2.4–5.8 requests per 30 days). A real 2.5×
 *   volatility shift reaches 10–20 σ within half a window, 15–150 σ within a window;
 * - the newest rows decide by share or max-z at mean + 10σ: their null comes from chunks of the
 *   reference scored against a profile that contains them, so it is narrower and heavier-tailed
 *   than live hours; a volatility shift in a random-walk market still stands out by far more (a
 *   2.5× shift 30 bars old is flagged). In a market whose volatility clusters (the synthetic
 *   trending market's volatility state has a standard deviation of 0.48 in logs), a 2.5× shift
 *   (0.92 in logs) is within the hour-to-hour variation of the volatility itself, and no threshold
 *   flags it within 48 bars without flagging those swings too.
 */
export const WHOLE_WINDOW_MULTIPLIER = 4;
export const WHOLE_WINDOW_MAX_Z_MULTIPLIER = 12;
export const RECENT_WINDOW_MULTIPLIER = 10;

/** Thresholds of both scales; `recent` null when the window is too short for a short window. */
export interface TwoScaleCalibration {
  whole: DriftCalibration;
  recent: DriftCalibration | null;
}

/** The decision of both scales: drifted when either drifted. */
export interface TwoScaleReport {
  drifted: boolean;
  whole: DriftReport;
  recent: DriftReport | null;
}

/**
 * Calibrates both scales on the reference series for windows of `windowRows` rows.
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * declare const ref: Float64Array;
 * const cal = calibrateTwoScales({ x: fitReferenceProfile(ref) }, { x: ref }, { windowRows: 1440 });
 * cal.recent?.chunkRows; // 60
 * ```
 */
export function calibrateTwoScales(
  profiles: Record<string, ReferenceProfile>,
  referenceColumns: Record<string, ArrayLike<number> | readonly string[]>,
  options: { windowRows: number; policy?: DriftPolicy; seed?: number; recentRows?: number },
): TwoScaleCalibration {
  const policy = options.policy ?? {};
  return {
    whole: calibrateDriftThresholds(profiles, referenceColumns, {
      chunkRows: options.windowRows,
      policy,
      multiplier: WHOLE_WINDOW_MULTIPLIER,
      maxZMultiplier: WHOLE_WINDOW_MAX_Z_MULTIPLIER,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    }),
    recent: calibrateRecentWindow(profiles, referenceColumns, {
      windowRows: options.windowRows,
      policy,
      ...(options.recentRows !== undefined ? { recentRows: options.recentRows } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    }),
  };
}

/**
 * Decides a window at both scales by the share-or-max rule, each with its own thresholds (see
 * {@link WHOLE_WINDOW_MULTIPLIER}). `order` says where the newest rows are.
 */
export function detectTwoScaleDrift(
  profiles: Record<string, ReferenceProfile>,
  currentColumns: Record<string, ArrayLike<number> | readonly string[]>,
  policy: DriftPolicy,
  calibration: TwoScaleCalibration,
  order: 'oldest-first' | 'newest-first' = 'oldest-first',
  hooks: { onFeature?: (name: string) => void } = {},
): TwoScaleReport {
  const whole = detectDrift(profiles, currentColumns, policy, calibration.whole, hooks);
  const recent = calibration.recent
    ? detectRecentDrift(profiles, currentColumns, policy, calibration.recent, order)
    : null;
  return { drifted: whole.drifted || recent?.drifted === true, whole, recent };
}

/** Rows of the short window for a window of `windowRows`: a 24th of it (an hour of a day's window), at least 30. */
export function defaultRecentRows(windowRows: number): number {
  return Math.max(30, Math.round(windowRows / 24));
}

/** Options of {@link calibrateRecentWindow}. */
export interface RecentWindowOptions {
  /** Rows of the check's whole window. */
  windowRows: number;
  /** Rows of the short window. @default defaultRecentRows(windowRows) */
  recentRows?: number;
  policy?: DriftPolicy;
  /** @default RECENT_WINDOW_MULTIPLIER */
  multiplier?: number;
  seed?: number;
}

/**
 * Thresholds for the newest rows of a window, calibrated on the reference at the short window's
 * size (reference chunks when the reference holds ten of them, else the block bootstrap). `null`
 * when the short window would be more than half of the whole one (it adds nothing then) or has
 * fewer rows than the policy's minRows.
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * declare const ref: Float64Array;
 * const recent = calibrateRecentWindow({ x: fitReferenceProfile(ref) }, { x: ref }, { windowRows: 1440 });
 * recent?.chunkRows; // 60
 * ```
 */
export function calibrateRecentWindow(
  profiles: Record<string, ReferenceProfile>,
  referenceColumns: Record<string, ArrayLike<number> | readonly string[]>,
  options: RecentWindowOptions,
): DriftCalibration | null {
  const { windowRows } = options;
  if (!Number.isInteger(windowRows) || windowRows < 2) {
    throw new StatsInputError('options.windowRows', `must be an integer ≥ 2, got ${windowRows}`);
  }
  const recentRows = options.recentRows ?? defaultRecentRows(windowRows);
  if (!Number.isInteger(recentRows) || recentRows < 2) {
    throw new StatsInputError('options.recentRows', `must be an integer ≥ 2, got ${recentRows}`);
  }
  if (recentRows * 2 > windowRows || recentRows < (options.policy?.minRows ?? 30)) return null;
  return calibrateDriftThresholds(profiles, referenceColumns, {
    chunkRows: recentRows,
    multiplier: options.multiplier ?? RECENT_WINDOW_MULTIPLIER,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}

/** The newest `rows` rows of every column; `order` says where the newest rows are. */
export function newestRows<T extends ArrayLike<number> | readonly string[]>(
  columns: Record<string, T>,
  rows: number,
  order: 'oldest-first' | 'newest-first',
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, column] of Object.entries(columns)) {
    const from = order === 'oldest-first' ? Math.max(0, column.length - rows) : 0;
    const to = order === 'oldest-first' ? column.length : Math.min(rows, column.length);
    // Typed arrays are viewed, not copied: a check's window can be 100,000 rows of 17 features.
    out[name] = (ArrayBuffer.isView(column)
      ? (column as unknown as Float64Array).subarray(from, to)
      : Array.prototype.slice.call(column, from, to)) as unknown as T;
  }
  return out;
}

/**
 * Tests the newest `calibration.chunkRows` rows of the window against the reference with the short
 * window's thresholds (share or max-z rule, as the whole window).
 */
export function detectRecentDrift(
  profiles: Record<string, ReferenceProfile>,
  currentColumns: Record<string, ArrayLike<number> | readonly string[]>,
  policy: DriftPolicy,
  calibration: DriftCalibration,
  order: 'oldest-first' | 'newest-first' = 'oldest-first',
): DriftReport {
  return detectDrift(profiles, newestRows(currentColumns, calibration.chunkRows, order), policy, calibration);
}
