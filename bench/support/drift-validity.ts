// Drift and performance-trigger validity on synthetic trading data, old decision code beside the new
// in the same run (issue 14 items 5 and 6). Exported as functions returning rows so that
// bench/drift-validity.bench.ts prints them and bench/decision-validity.bench.ts can include them.
//
// Setting. Rows are bars. The champion's reference is the 2,000 bars before the live period (the
// default retraining window); a check looks at the newest 1,440 rows every 60 rows ("hourly checks
// of a 24 h window" of 1-minute bars: consecutive windows share 96% of their rows).
// - old: fixed thresholds (normalised Wasserstein ≥ 0.1, share ≥ 0.5), iid KS, N-of-M over every check;
// - new: thresholds calibrated on the reference (block bootstrap at the window's size, mean + 3σ,
//   share and max-z calibrated on the same replicates), KS on effective n, N-of-M over disjoint
//   windows.
// Both use the supervisor's real hysteresis function (applyDriftHysteresis, 2 of 3 by default).
import {
  computeFeatures,
  FEATURE_SCHEMA,
  generateSyntheticMarket,
  type MarketRegime,
  type OhlcvBar,
} from '../../src/ml';
import {
  accuracyCusum,
  calibrateDriftThresholds,
  calibrateTwoScales,
  createRng,
  detectDrift,
  detectTwoScaleDrift,
  lag1Autocorrelation,
  fitReferenceProfile,
  testAccuracyDrop,
  type DriftCalibration,
  type DriftPolicy,
  type ReferenceProfile,
} from '../../src/stats';
import {
  applyDriftHysteresis,
  type DriftWindowVerdict,
} from '../../src/workflows/supervisor/supervisor-state';

export type BenchMarket = 'random-walk' | MarketRegime;
export const BENCH_MARKETS: readonly BenchMarket[] = [
  'random-walk',
  'mean-reverting',
  'volatile',
  'trending',
];

export interface DriftValidityOptions {
  /** Independent markets per row (Monte Carlo runs). */
  runs: number;
  /** Live days per run for the false-alarm rows (one check per 60 rows, 1,440 rows a day). */
  days: number;
  /** Runs of the volatility-shift row. */
  shiftRuns: number;
  /** Repetitions per live size of the performance-trigger rows. */
  performanceReps: number;
  seed: number;
  windowRows?: number;
  checkEveryRows?: number;
  referenceRows?: number;
  hysteresis?: { breaches: number; window: number };
}

/** One market × detector: false alarms on a stationary market (no change, every alarm is false). */
export interface FalseAlarmRow {
  market: BenchMarket;
  detector: DetectorName;
  runs: number;
  checksPerRun: number;
  /** Share of checks whose dataset decision is "drifted", mean over runs ± 1.96·SE over runs. */
  driftedPerCheck: number;
  driftedPerCheckMc: number;
  /** Retraining requests per 30 days through the hysteresis, mean over runs ± 1.96·SE. */
  requestsPer30Days: number;
  requestsPer30DaysMc: number;
}

/** Time to flag a 2.5× volatility shift, in bars after the shift. */
export interface ShiftRow {
  market: BenchMarket;
  detector: DetectorName;
  runs: number;
  /** Runs whose first drifted check came within 48 bars of the shift (± 1.96·SE). */
  flaggedWithin48: number;
  flaggedWithin48Mc: number;
  /** Median bars from the shift to the first drifted check, and to the retraining request. */
  medianBarsToDriftedCheck: number | null;
  medianBarsToRequest: number | null;
  /** Runs with a request by the end of the simulated 3 days after the shift. */
  requested: number;
  /** Old detector only: runs already drifted at the last check before the shift (its false alarms). */
  driftedBeforeShift: number;
}

/** Performance trigger per-check false alarm under no change at α = 0.01. */
export interface PerformanceRow {
  liveRows: number;
  reps: number;
  old: number;
  new: number;
  /** 1.96·SE of a rate of this many repetitions at the larger of the two. */
  mc: number;
}

const OLD_POLICY: DriftPolicy = { share: 0.5, effectiveSampleSize: false };
const NEW_POLICY: DriftPolicy = { share: 0.5 };

/** A geometric random walk with iid returns: the plainest stationary-return market. */
function randomWalkBars(seed: number, n: number, shift?: { atBar: number; multiplier: number }): OhlcvBar[] {
  const rng = createRng(seed);
  const bars: OhlcvBar[] = [];
  let close = 100;
  const start = Date.parse('2024-01-01T00:00:00.000Z');
  for (let t = 0; t < n; t++) {
    const sigma = 0.008 * (shift && t >= shift.atBar ? shift.multiplier : 1);
    const open = close;
    close = open * Math.exp(sigma * rng.normal());
    const high = Math.max(open, close) * Math.exp(Math.abs(rng.normal()) * sigma * 0.5);
    const low = Math.min(open, close) * Math.exp(-Math.abs(rng.normal()) * sigma * 0.5);
    bars.push({
      ts: new Date(start + t * 60_000).toISOString(),
      open,
      high,
      low,
      close,
      volume: 1000 * Math.exp(0.3 * rng.normal()),
    });
  }
  return bars;
}

function marketBars(
  market: BenchMarket,
  seed: number,
  n: number,
  shift?: { atBar: number; multiplier: number },
): OhlcvBar[] {
  if (market === 'random-walk') return randomWalkBars(seed, n, shift);
  return generateSyntheticMarket({
    seed,
    bars: n,
    intervalMinutes: 1,
    switchProbability: 0,
    initialRegime: market,
    ...(shift
      ? { regimeShift: { atBar: shift.atBar, regime: market, volatilityMultiplier: shift.multiplier } }
      : {}),
  }).bars;
}

/** Feature columns (time order) of bars, rows from the first bar with a full warm-up on. */
function featureColumns(bars: OhlcvBar[]): Float64Array[] {
  const rows = computeFeatures(bars).rows;
  return FEATURE_SCHEMA.names.map((_, j) => Float64Array.from(rows, (r) => r.values[j]!));
}

/**
 * old: fixed thresholds; calibrated-v1: the calibrated detector of the previous session (blocks up
 * to a quarter of the window, mean + 3σ, share-or-max on the whole window only); new: the default
 * now (blocks ≤ n/16, the two-scale check of two-scale-drift.ts).
 */
export type DetectorName = 'old' | 'calibrated-v1' | 'new';

interface Detector {
  name: DetectorName;
  decide(window: Record<string, Float64Array>): boolean;
}

/** The block length rule before the n/16 cap, for the calibrated-v1 row. */
function blockLengthV1(reference: Float64Array[], windowRows: number): number {
  const rho = Math.min(0.99, Math.max(0, ...reference.map((c) => lag1Autocorrelation(c))));
  const n = reference[0]!.length;
  return Math.max(
    1,
    Math.min(
      Math.floor(Math.min(n, windowRows) / 4),
      Math.max(Math.ceil(Math.cbrt(windowRows)), Math.ceil((2 * (1 + rho)) / (1 - rho))),
    ),
  );
}

function detectors(reference: Float64Array[], windowRows: number, seed: number): Detector[] {
  const names = FEATURE_SCHEMA.names;
  const profiles: Record<string, ReferenceProfile> = {};
  const columns: Record<string, Float64Array> = {};
  names.forEach((n, j) => {
    profiles[n] = fitReferenceProfile(reference[j]!);
    columns[n] = reference[j]!;
  });
  const v1: DriftCalibration = calibrateDriftThresholds(profiles, columns, {
    chunkRows: windowRows,
    policy: NEW_POLICY,
    seed,
    blockLength: blockLengthV1(reference, windowRows),
  });
  const two = calibrateTwoScales(profiles, columns, { windowRows, policy: NEW_POLICY, seed });
  return [
    { name: 'old', decide: (w) => detectDrift(profiles, w, OLD_POLICY).drifted },
    { name: 'calibrated-v1', decide: (w) => detectDrift(profiles, w, NEW_POLICY, v1).drifted },
    {
      name: 'new',
      decide: (w) => detectTwoScaleDrift(profiles, w, NEW_POLICY, two).drifted,
    },
  ];
}

function windowAt(live: Float64Array[], end: number, rows: number): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  FEATURE_SCHEMA.names.forEach((n, j) => {
    out[n] = live[j]!.subarray(end - rows, end);
  });
  return out;
}

function meanAndMc(values: number[]): [number, number] {
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  if (values.length < 2) return [m, NaN];
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
  return [m, (1.96 * sd) / Math.sqrt(values.length)];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** False alarms per check and retraining requests per 30 days on stationary markets. */
export function driftFalseAlarmRows(options: DriftValidityOptions): FalseAlarmRow[] {
  const windowRows = options.windowRows ?? 1440;
  const every = options.checkEveryRows ?? 60;
  const refRows = options.referenceRows ?? 2000;
  const hysteresis = options.hysteresis ?? { breaches: 2, window: 3 };
  const liveRows = options.days * 1440;
  const rows: FalseAlarmRow[] = [];
  for (const [m, market] of BENCH_MARKETS.entries()) {
    const perDetector = new Map<string, { drifted: number[]; requests: number[]; checks: number }>();
    for (let run = 0; run < options.runs; run++) {
      const seed = options.seed + 1000 * m + run;
      const features = featureColumns(marketBars(market, seed, refRows + windowRows + liveRows + 40));
      const reference = features.map((c) => c.subarray(0, refRows));
      const live = features.map((c) => c.subarray(refRows));
      for (const detector of detectors(reference, windowRows, seed)) {
        let history: DriftWindowVerdict[] = [];
        let drifted = 0;
        let requests = 0;
        let checks = 0;
        for (let end = windowRows; end <= live[0]!.length; end += every) {
          const verdict = detector.decide(windowAt(live, end, windowRows));
          checks++;
          if (verdict) drifted++;
          // The old hysteresis counted every check; the new one only disjoint windows.
          const step = applyDriftHysteresis(
            history,
            detector.name === 'old'
              ? { drifted: verdict }
              : { drifted: verdict, from: end - windowRows, to: end },
            hysteresis,
          );
          history = step.history;
          if (step.fire) requests++;
        }
        const entry = perDetector.get(detector.name) ?? { drifted: [], requests: [], checks };
        entry.drifted.push(drifted / checks);
        entry.requests.push((requests * 30 * 1440) / (checks * every));
        perDetector.set(detector.name, entry);
      }
    }
    for (const [detector, entry] of perDetector) {
      const [d, dMc] = meanAndMc(entry.drifted);
      const [r, rMc] = meanAndMc(entry.requests);
      rows.push({
        market,
        detector: detector as DetectorName,
        runs: options.runs,
        checksPerRun: entry.checks,
        driftedPerCheck: d,
        driftedPerCheckMc: dMc,
        requestsPer30Days: r,
        requestsPer30DaysMc: rMc,
      });
    }
  }
  return rows;
}

/** Bars from a 2.5× volatility shift to the first drifted check and to the retraining request. */
export function driftShiftRows(
  options: DriftValidityOptions,
  markets: readonly BenchMarket[] = ['random-walk', 'trending'],
): ShiftRow[] {
  const windowRows = options.windowRows ?? 1440;
  const every = options.checkEveryRows ?? 60;
  const refRows = options.referenceRows ?? 2000;
  const hysteresis = options.hysteresis ?? { breaches: 2, window: 3 };
  const rows: ShiftRow[] = [];
  for (const [m, market] of markets.entries()) {
    const results = new Map<
      string,
      { toCheck: number[]; toRequest: number[]; within: number[]; before: number }
    >();
    for (let run = 0; run < options.shiftRuns; run++) {
      const seed = options.seed + 50_000 + 1000 * m + run;
      const rng = createRng(seed);
      // One day of live checks before the shift, at a random phase of the check clock.
      const shiftLive = windowRows + 1440 + Math.floor(rng.next() * every);
      const totalLive = shiftLive + 3 * 1440;
      const features = featureColumns(
        marketBars(market, seed, refRows + totalLive + 40, {
          atBar: refRows + shiftLive + 20,
          multiplier: 2.5,
        }),
      );
      const reference = features.map((c) => c.subarray(0, refRows));
      const live = features.map((c) => c.subarray(refRows));
      for (const detector of detectors(reference, windowRows, seed)) {
        let history: DriftWindowVerdict[] = [];
        let firstCheck: number | null = null;
        let firstRequest: number | null = null;
        let before = false;
        for (let end = windowRows; end <= live[0]!.length; end += every) {
          const verdict = detector.decide(windowAt(live, end, windowRows));
          if (end <= shiftLive) {
            before = verdict;
            // Only what happens after the shift is timed; the hysteresis starts at the shift.
            continue;
          }
          if (verdict && firstCheck === null) firstCheck = end - shiftLive;
          const step = applyDriftHysteresis(
            history,
            detector.name === 'old'
              ? { drifted: verdict }
              : { drifted: verdict, from: end - windowRows, to: end },
            hysteresis,
          );
          history = step.history;
          if (step.fire && firstRequest === null) firstRequest = end - shiftLive;
        }
        const entry = results.get(detector.name) ?? { toCheck: [], toRequest: [], within: [], before: 0 };
        if (firstCheck !== null) entry.toCheck.push(firstCheck);
        if (firstRequest !== null) entry.toRequest.push(firstRequest);
        entry.within.push(firstCheck !== null && firstCheck <= 48 ? 1 : 0);
        if (before) entry.before++;
        results.set(detector.name, entry);
      }
    }
    for (const [detector, e] of results) {
      const [w, wMc] = meanAndMc(e.within);
      rows.push({
        market,
        detector: detector as DetectorName,
        runs: options.shiftRuns,
        flaggedWithin48: w,
        flaggedWithin48Mc: wMc,
        medianBarsToDriftedCheck: median(e.toCheck),
        medianBarsToRequest: median(e.toRequest),
        requested: e.toRequest.length,
        driftedBeforeShift: e.before,
      });
    }
  }
  return rows;
}

/**
 * Performance trigger under no change: holdout accuracy from 400 rows, live accuracy from
 * `liveRows` outcomes (one per bar), both Bernoulli(0.55); per-check false alarm at α = 0.01.
 */
export function performanceTriggerRows(
  options: Pick<DriftValidityOptions, 'performanceReps' | 'seed'>,
  sizes: readonly number[] = [200, 1000, 5000, 20_000],
): PerformanceRow[] {
  return sizes.map((liveRows, s) => {
    const rng = createRng(options.seed + 90_000 + s);
    let old = 0;
    let fresh = 0;
    for (let r = 0; r < options.performanceReps; r++) {
      let k0 = 0;
      for (let i = 0; i < 400; i++) if (rng.next() < 0.55) k0++;
      const bars = Array.from({ length: liveRows }, () => ({ n: 1, correct: rng.next() < 0.55 ? 1 : 0 }));
      const common = { baseline: k0 / 400, baselineRows: 400, bars, alpha: 0.01 };
      if (testAccuracyDrop({ ...common, method: 'known-baseline' }).degraded) old++;
      if (testAccuracyDrop(common).degraded) fresh++;
    }
    const reps = options.performanceReps;
    const worst = Math.max(old, fresh) / reps;
    return {
      liveRows,
      reps,
      old: old / reps,
      new: fresh / reps,
      mc: 1.96 * Math.sqrt((worst * (1 - worst)) / reps),
    };
  });
}

/** Probability of at least one false performance alarm in 30 days of hourly monitoring. */
export interface PerformanceMonitoringRow {
  test: 'old per-check (p₀ exact)' | 'two-sample per-check' | 'CUSUM since promotion';
  reps: number;
  falseAlarmIn30Days: number;
  mc: number;
}

/**
 * 30 days of 1-minute bars with one labelled outcome each, Bernoulli(0.55) throughout, holdout
 * accuracy from 400 rows. Hourly, the per-check tests look at the last 1,440 bars at α = 0.01; the
 * CUSUM runs over all bars since promotion with its boundary set for the 30 days at α = 0.01.
 */
export function performanceMonitoringRows(
  options: Pick<DriftValidityOptions, 'performanceReps' | 'seed'>,
): PerformanceMonitoringRow[] {
  const reps = Math.max(20, Math.floor(options.performanceReps / 10));
  const rng = createRng(options.seed + 95_000);
  const alarms = { old: 0, fresh: 0, cusum: 0 };
  const barsPer30Days = 43_200;
  for (let r = 0; r < reps; r++) {
    let k0 = 0;
    for (let i = 0; i < 400; i++) if (rng.next() < 0.55) k0++;
    const bars = Array.from({ length: barsPer30Days }, () => ({ n: 1, correct: rng.next() < 0.55 ? 1 : 0 }));
    let old = false;
    let fresh = false;
    for (let end = 1440; end <= bars.length && !(old && fresh); end += 60) {
      const window = bars.slice(end - 1440, end);
      const common = { baseline: k0 / 400, baselineRows: 400, bars: window, alpha: 0.01 };
      if (!old) old = testAccuracyDrop({ ...common, method: 'known-baseline' }).degraded;
      if (!fresh) fresh = testAccuracyDrop(common).degraded;
    }
    if (old) alarms.old++;
    if (fresh) alarms.fresh++;
    if (
      accuracyCusum({ baseline: k0 / 400, baselineRows: 400, bars, alpha: 0.01, horizonBars: barsPer30Days })
        .alarm
    ) {
      alarms.cusum++;
    }
  }
  const row = (test: PerformanceMonitoringRow['test'], count: number): PerformanceMonitoringRow => {
    const p = count / reps;
    return {
      test,
      reps,
      falseAlarmIn30Days: p,
      mc: 1.96 * Math.sqrt((Math.max(p, 1 / reps) * (1 - p)) / reps),
    };
  };
  return [
    row('old per-check (p₀ exact)', alarms.old),
    row('two-sample per-check', alarms.fresh),
    row('CUSUM since promotion', alarms.cusum),
  ];
}

/** Sizes from the environment: DRIFT_BENCH_SIZE = quick (default) | full. */
export function driftValidityOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DriftValidityOptions {
  const full = env.DRIFT_BENCH_SIZE === 'full';
  const int = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    runs: int('DRIFT_BENCH_RUNS', full ? 20 : 2),
    days: int('DRIFT_BENCH_DAYS', full ? 30 : 10),
    shiftRuns: int('DRIFT_BENCH_SHIFT_RUNS', full ? 40 : 6),
    performanceReps: int('DRIFT_BENCH_PERF_REPS', full ? 4000 : 1000),
    seed: int('DRIFT_BENCH_SEED', 1),
  };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** Prints every drift row (false alarms, the 2.5× shift, the performance trigger), old beside new. */
export function printDriftRows(): void {
  const started = Date.now();
  const options = driftValidityOptionsFromEnv();
  console.log(
    `Drift validity: ${options.runs} runs × ${options.days} days per market, hourly checks (every 60 rows) of a 1,440-row window, reference 2,000 rows; ±: 1.96·SE over runs`,
  );
  console.log('market          detector       P(drifted)/check        requests/30 days');
  const falseAlarms = driftFalseAlarmRows(options);
  for (const r of falseAlarms) {
    console.log(
      `${r.market.padEnd(15)} ${r.detector.padEnd(14)} ${fmt(r.driftedPerCheck).padStart(6)} ± ${fmt(r.driftedPerCheckMc).padEnd(10)} ${fmt(r.requestsPer30Days, 2).padStart(6)} ± ${fmt(r.requestsPer30DaysMc, 2)}`,
    );
  }
  console.log(
    `\n2.5× volatility shift, ${options.shiftRuns} runs (bars after the shift; checks every 60 bars)`,
  );
  console.log(
    'market          detector       drifted check ≤ 48 bars   median bars to drifted check / to request   requested   drifted just before',
  );
  const shifts = driftShiftRows(options);
  for (const r of shifts) {
    console.log(
      `${r.market.padEnd(15)} ${r.detector.padEnd(14)} ${fmt(r.flaggedWithin48, 2).padStart(5)} ± ${fmt(r.flaggedWithin48Mc, 2).padEnd(16)} ${String(r.medianBarsToDriftedCheck ?? 'never').padStart(6)} / ${String(r.medianBarsToRequest ?? 'never').padEnd(31)} ${String(r.requested).padStart(3)}/${r.runs}      ${r.driftedBeforeShift}/${r.runs}`,
    );
  }
  // Issue 14's drift goals for the new detector: ≤ 1 request per 30 days on every stationary market
  // (within MC error), and a 2.5× volatility shift flagged within 48 bars (median).
  const newAlarms = falseAlarms.filter((r) => r.detector === 'new');
  const newShifts = shifts.filter((r) => r.detector === 'new');
  const alarmsMet = newAlarms.every((r) => r.requestsPer30Days - (r.requestsPer30DaysMc || 0) <= 1);
  const shiftMet = newShifts.every(
    (r) => r.medianBarsToDriftedCheck !== null && r.medianBarsToDriftedCheck <= 48,
  );
  console.log(
    `drift goals (new): requests ≤ 1/30 days within MC ${alarmsMet ? 'met' : 'NOT met'} (${newAlarms.map((r) => `${r.market} ${fmt(r.requestsPer30Days, 2)}`).join(', ')}); ` +
      `2.5× shift median ≤ 48 bars ${shiftMet ? 'met' : 'NOT met'} (${newShifts.map((r) => `${r.market} ${r.medianBarsToDriftedCheck ?? 'never'}`).join(', ')})`,
  );
  console.log('\nPerformance trigger, no change, α = 0.01, holdout 400 rows (± 1.96·SE)');
  console.log('live rows   old (p₀ exact)   new (two-sample, per bar)');
  for (const r of performanceTriggerRows(options)) {
    console.log(
      `${String(r.liveRows).padStart(9)}   ${fmt(r.old).padStart(8)}         ${fmt(r.new).padStart(8)}   ± ${fmt(r.mc)} (${r.reps} reps)`,
    );
  }
  console.log(
    '\nPerformance monitoring, no change, 30 days of hourly looks (1-minute bars, one outcome each)',
  );
  for (const r of performanceMonitoringRows(options)) {
    console.log(
      `  ${r.test.padEnd(28)} P(false alarm in 30 days) ${fmt(r.falseAlarmIn30Days)} ± ${fmt(r.mc)} (${r.reps} reps)`,
    );
  }
  console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
}
