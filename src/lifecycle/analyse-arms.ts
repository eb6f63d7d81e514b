import { srmTest, type Moments } from '../stats';
import {
  alwaysValidDifference,
  createPairedComparison,
  decidePairedComparison,
  periodWeightedDifference,
  plannedTau2,
  ratioMetricMoments,
  sequentialSrm,
  type PairedComparisonState,
  type SrmEpoch,
  type UnitSums,
} from '../stats/sequential';
import type { ExperimentPolicy } from '../policies/experiment-policy';
import type {
  AnalysisLevel,
  ArmAnalysis,
  ArmComparison,
  ExperimentAnalysis,
  PairedAnalysis,
} from '../workflows/experiment/experiment-types';

/** How traffic was split: sticky per unit (`hash`), per request (`random`) or adaptively (bandits). */
export type AllocationStrategyName = 'hash' | 'random' | 'epsilon_greedy' | 'thompson';

/** Per-arm aggregates as the database returns them (sums, so that 10^7 outcomes cost one scan). */
export interface ArmAggregates {
  variant: string;
  isControl: boolean;
  weight: number;
  /** Routing decisions. */
  assignments: number;
  labelled: number;
  correct: number;
  returnsN: number;
  returnSum: number;
  returnSumSq: number;
  maxDrawdown: number;
  /** Distinct units whose first assignment was this arm (SRM of sticky strategies). */
  units?: number;
  /** Per-unit sums for the delta method: Y = correct, N = labelled. */
  accuracyUnits?: UnitSums;
  /** Per-unit sums for the delta method: Y = summed return, N = outcomes with a return. */
  returnUnits?: UnitSums;
}

/** One period's (bar's) sums for one arm. */
export interface PeriodArmAggregates {
  /** Routing decisions in the period (per-epoch SRM of adaptive strategies). */
  decisions?: number;
  /** The weight the router actually served during the period (adaptive strategies). */
  servedWeight?: number;
  labelled: number;
  correct: number;
  returnsN: number;
  returnSum: number;
}

/** Per-period sums of every arm, in time order. */
export interface PeriodAggregates {
  start: number;
  arms: Record<string, PeriodArmAggregates>;
}

/** Everything beyond the per-arm sums that the decision may use. */
export interface AnalyseArmsOptions {
  /** @deprecated kept for old callers: false = adaptive strategy (same as a bandit `strategy`). */
  checkSrm?: boolean;
  strategy?: AllocationStrategyName;
  periods?: readonly PeriodAggregates[];
  /** The paired comparison over the shadow-scored bars so far, with the challenger arm it is about. */
  paired?: { variant: string; state: PairedComparisonState } | null;
}

/** Fewest units/outcomes per arm before a variance estimate is trusted by a guardrail. */
const MIN_FOR_VARIANCE = 30;

function rowMoments(arm: ArmAggregates, metric: ExperimentPolicy['primaryMetric']): Moments {
  if (metric === 'accuracy') {
    const n = arm.labelled;
    const p = n > 0 ? arm.correct / n : 0;
    return { n, mean: p, variance: n > 1 ? (p * (1 - p) * n) / (n - 1) : 0 };
  }
  const n = arm.returnsN;
  const mean = n > 0 ? arm.returnSum / n : 0;
  const variance = n > 1 ? Math.max(0, (arm.returnSumSq - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

function outcomesOf(arm: ArmAggregates, metric: ExperimentPolicy['primaryMetric']): number {
  return metric === 'accuracy' ? arm.labelled : arm.returnsN;
}

/** An estimate of treatment − control with its variance, at the level chosen; null = not yet. */
interface Estimate {
  diff: number;
  variance: number;
  level: AnalysisLevel;
}

function estimateDifference(
  control: ArmAggregates,
  treatment: ArmAggregates,
  metric: ExperimentPolicy['primaryMetric'],
  level: AnalysisLevel,
  periods: readonly PeriodAggregates[] | undefined,
  minPeriods: number,
): Estimate | null {
  if (level === 'period' && periods) {
    const series = periods.map((p) => {
      const c = p.arms[control.variant];
      const t = p.arms[treatment.variant];
      const sums = (a: PeriodArmAggregates | undefined) =>
        !a
          ? { n: 0, sum: 0 }
          : metric === 'accuracy'
            ? { n: a.labelled, sum: a.correct }
            : { n: a.returnsN, sum: a.returnSum };
      return { control: sums(c), treatment: sums(t) };
    });
    const outcomeVariances = {
      control: rowMoments(control, metric).variance,
      treatment: rowMoments(treatment, metric).variance,
    };
    const result = periodWeightedDifference(series, { outcomeVariances });
    if (result.periods < minPeriods || !(result.variance >= 0)) return null;
    return { diff: result.diff, variance: result.variance, level };
  }
  if (level === 'unit') {
    const pick = (a: ArmAggregates) => (metric === 'accuracy' ? a.accuracyUnits : a.returnUnits);
    const cu = pick(control);
    const tu = pick(treatment);
    if (cu && tu) {
      const c = ratioMetricMoments(cu);
      const t = ratioMetricMoments(tu);
      if (c.n < 2 || t.n < 2) return null;
      return { diff: t.mean - c.mean, variance: c.variance / c.n + t.variance / t.n, level };
    }
  }
  const c = rowMoments(control, metric);
  const t = rowMoments(treatment, metric);
  if (c.n < 2 || t.n < 2) return null;
  return { diff: t.mean - c.mean, variance: c.variance / c.n + t.variance / t.n, level: 'row' };
}

/**
 * A τ² fixed for the experiment, never re-estimated at a look: the policy's, else planned from the
 * MDE (the primary metric's, a guardrail's margin, or for loss and drawdown the per-outcome loss
 * rate that would spend the bound over the experiment's maximum traffic, see
 * {@link lossGuardrailMde}). Only a caller passing no MDE for a secondary metric reaches the last
 * branch, 4σ²ρ² from the control's variance (GrowthBook's tuning at N* = 5,000), which does move
 * with the data; analyseArms never does.
 */
export function tau2For(
  policy: ExperimentPolicy,
  metric: ExperimentPolicy['primaryMetric'],
  alpha: number,
  control: ArmAggregates,
  mde?: number,
): number {
  if (metric === policy.primaryMetric) {
    if (policy.tau2 !== undefined) return policy.tau2;
    return plannedTau2({ mde: mde ?? policy.minimumDetectableEffect, alpha });
  }
  if (mde !== undefined && mde > 0) return plannedTau2({ mde, alpha });
  const m = rowMoments(control, metric);
  const sigma2 = m.variance > 0 ? m.variance : metric === 'accuracy' ? 0.25 : 1e-4;
  const minus2LogAlpha = -2 * Math.log(alpha);
  return (4 * sigma2 * (minus2LogAlpha + Math.log(minus2LogAlpha + 1))) / 5000;
}

/** Which level the split outcomes are analysed at (docs/concepts.md, "Units of analysis"). */
export function analysisLevelFor(policy: ExperimentPolicy, strategy: AllocationStrategyName): AnalysisLevel {
  if (policy.analysisLevel !== 'auto') return policy.analysisLevel;
  return strategy === 'hash' ? 'unit' : 'period';
}

function drawdownOver(periods: readonly PeriodAggregates[], variant: string, otherVariant: string): number {
  // Each arm's mean return per outcome in a period, times the period's traffic of both arms: what the
  // arm would have made serving everything, so that two arms of different sizes are comparable.
  let cum = 0;
  let peak = 0;
  let worst = 0;
  for (const p of periods) {
    const a = p.arms[variant];
    const b = p.arms[otherVariant];
    if (!a || !b || a.returnsN === 0 || b.returnsN === 0) continue;
    cum += (a.returnSum / a.returnsN) * (a.returnsN + b.returnsN);
    peak = Math.max(peak, cum);
    worst = Math.max(worst, peak - cum);
  }
  return worst;
}

function sequentialSrmOf(
  arms: readonly ArmAggregates[],
  strategy: AllocationStrategyName,
  periods: readonly PeriodAggregates[] | undefined,
  srmAlpha: number,
): ExperimentAnalysis['srm'] {
  const none = { chi2: 0, pValue: 1, mismatch: false, counted: 'none' as const };
  const weightSum = arms.reduce((s, a) => s + a.weight, 0);
  let epochs: SrmEpoch[];
  let counted: 'units' | 'decisions' | 'epochs';
  if (strategy === 'random') {
    counted = 'decisions';
    epochs = [{ counts: arms.map((a) => a.assignments), weights: arms.map((a) => a.weight / weightSum) }];
  } else if (strategy === 'hash') {
    if (arms.some((a) => a.units === undefined)) return none;
    counted = 'units';
    epochs = [{ counts: arms.map((a) => a.units as number), weights: arms.map((a) => a.weight / weightSum) }];
  } else {
    // Adaptive: only an epoch whose served weights are known can be checked, against those weights.
    counted = 'epochs';
    epochs = (periods ?? [])
      .filter((p) => arms.every((a) => p.arms[a.variant]?.servedWeight !== undefined))
      .map((p) => ({
        counts: arms.map((a) => p.arms[a.variant]?.decisions ?? 0),
        weights: arms.map((a) => p.arms[a.variant]!.servedWeight as number),
      }));
    if (epochs.length === 0) return none;
  }
  if (!(weightSum > 0)) return none;
  const total = epochs.reduce((s, e) => s + e.counts.reduce((x, y) => x + y, 0), 0);
  if (total < arms.length * 10) return { ...none, counted };
  const sequential = sequentialSrm(epochs);
  let chi2 = 0;
  for (const e of epochs) {
    if (e.counts.reduce((x, y) => x + y, 0) === 0 || e.weights.some((w) => !(w > 0))) continue;
    const ws = e.weights.reduce((x, y) => x + y, 0);
    chi2 += srmTest(
      e.counts,
      e.weights.map((w) => w / ws),
    ).chi2;
  }
  return {
    chi2,
    pValue: sequential.pValue,
    // Improbable under the served weights (anytime-valid) and material (some share off by > 0.1 pp).
    mismatch: sequential.pValue < srmAlpha && sequential.maxDeviation > 0.001,
    counted,
  };
}

/**
 * Turns one look's data into the analysis the decision reads:
 *
 * - each treatment against control with the always-valid mSPRT at a fixed τ², the variance taken at a
 *   level where rows are independent enough (per unit by the delta method for unit-sticky `hash`, per
 *   period with Newey–West for `random` and bandits; period weighting also removes the bias of
 *   allocation that moves with the base rate);
 * - the sequential (Dirichlet–multinomial) SRM on distinct units for `hash`, decisions for `random`,
 *   per allocation epoch against the served weights for bandits;
 * - guardrails as sequential harm tests on treatment − control, loss and drawdown against control over
 *   the same periods;
 * - the paired comparison over shadow-scored bars, when there are any.
 */
export function analyseArms(
  arms: ArmAggregates[],
  policy: ExperimentPolicy,
  previousPValues: Record<string, number>,
  now: number,
  options: AnalyseArmsOptions = {},
): ExperimentAnalysis {
  const control = arms.find((a) => a.isControl);
  if (!control) throw new Error('the experiment has no control arm');
  const strategy: AllocationStrategyName =
    options.strategy ?? (options.checkSrm === false ? 'thompson' : 'hash');
  const level = analysisLevelFor(policy, strategy);
  const notes: string[] = [];
  if (level === 'period' && !options.periods) notes.push('no per-period sums: analysed per outcome');
  if (level === 'unit' && arms.some((a) => !a.accuracyUnits && !a.returnUnits))
    notes.push('no per-unit sums: analysed per outcome');

  const analysed: ArmAnalysis[] = arms.map((a) => {
    const m = rowMoments(a, policy.primaryMetric);
    return {
      variant: a.variant,
      isControl: a.isControl,
      assignments: a.assignments,
      ...(a.units !== undefined ? { units: a.units } : {}),
      n: m.n,
      mean: m.mean,
      variance: m.variance,
      totalReturn: a.returnSum,
      maxDrawdown: a.maxDrawdown,
    };
  });

  const tau2 = tau2For(policy, policy.primaryMetric, policy.alpha, control);
  // The interval is at the level the decision uses: with k treatments it tests each at α/k
  // (Bonferroni, decideExperiment), so an interval at α would exclude 0 for a treatment the
  // decision does not call significant.
  const treatments = arms.filter((a) => !a.isControl).length;
  const decisionAlpha = policy.alpha / Math.max(1, treatments);
  const comparisons: ArmComparison[] = [];
  for (const arm of arms.filter((a) => !a.isControl)) {
    const previous = previousPValues[arm.variant] ?? 1;
    const estimate = estimateDifference(
      control,
      arm,
      policy.primaryMetric,
      level,
      options.periods,
      policy.minPeriods,
    );
    if (!estimate || (estimate.variance === 0 && estimate.diff === 0)) {
      const c = rowMoments(control, policy.primaryMetric);
      const t = rowMoments(arm, policy.primaryMetric);
      comparisons.push({
        variant: arm.variant,
        diff: t.mean - c.mean,
        pValue: previous,
        ci: null,
        level,
        tau2,
      });
      continue;
    }
    const result = alwaysValidDifference({
      diff: estimate.diff,
      variance: estimate.variance,
      tau2,
      alpha: decisionAlpha,
      previousPValue: previous,
    });
    comparisons.push({
      variant: arm.variant,
      diff: result.diff,
      pValue: result.pValue,
      ci: result.ci,
      level: estimate.level,
      tau2,
    });
  }

  const srm = sequentialSrmOf(arms, strategy, options.periods, policy.srmAlpha);
  if (srm.counted === 'none')
    notes.push(
      strategy === 'hash'
        ? 'SRM not checked: no unit counts'
        : 'SRM not checked: the served weights of the allocation epochs are not known',
    );

  const breaches = guardrailBreaches(arms, control, policy, level, options.periods);

  let paired: PairedAnalysis | null = null;
  if (options.paired && options.paired.state.bars > 0) {
    const s = options.paired.state;
    paired = {
      variant: options.paired.variant,
      score: s.score,
      bars: s.bars,
      meanDifference: s.meanDifference,
      interval: s.interval,
      decision: decidePairedComparison(s, policy.paired.minBars),
      dieboldMariano: s.dieboldMariano
        ? {
            statistic: s.dieboldMariano.statistic,
            pValue: s.dieboldMariano.pValue,
            lags: s.dieboldMariano.lags,
          }
        : null,
    };
  }
  return {
    analysedAt: now,
    arms: analysed,
    comparisons,
    srm,
    guardrailBreaches: breaches,
    paired,
    ...(notes.length ? { notes } : {}),
  };
}

/**
 * The MDE the loss and drawdown guardrails plan their τ² from: the per-outcome return gap at which
 * the treatment would lose `maxLoss` (or `maxDrawdown`, the smaller) more than control by the
 * earliest decision look, over 2·minSamplesPerVariant outcomes of both arms. It comes from the
 * policy alone, so the τ² is the same at every look; before, it was 4σ²ρ² with σ² the control's
 * return variance at that look, which moved with the data.
 */
export function lossGuardrailMde(policy: ExperimentPolicy): number | undefined {
  const { maxLoss, maxDrawdown } = policy.guardrails;
  const bound = Math.min(maxLoss ?? Infinity, maxDrawdown ?? Infinity);
  return Number.isFinite(bound) ? bound / (2 * policy.minSamplesPerVariant) : undefined;
}

/**
 * The τ² of each configured guardrail test, from the policy alone: the same at every look of the
 * experiment. The control arm is read only by the fallback of {@link tau2For}, reached by one
 * configuration: `maxReturnDrop: 0` in an accuracy experiment with no loss or drawdown bound (no
 * return scale is known before the data; set `maxReturnDrop` > 0 or a loss bound to plan it).
 */
export function guardrailTau2s(
  policy: ExperimentPolicy,
  control: ArmAggregates,
): { accuracyDrop?: number; returnDrop?: number; loss?: number } {
  const g = policy.guardrails;
  const lossMde = lossGuardrailMde(policy);
  // A margin of 0 ("any sure harm") has no effect size of its own: the accuracy test plans from the
  // experiment's MDE when it is on accuracy (else 0.02, its default), the return test from the loss
  // bound's or a return experiment's MDE.
  const primaryMde = (metric: ExperimentPolicy['primaryMetric']) =>
    policy.primaryMetric === metric ? policy.minimumDetectableEffect : undefined;
  const accuracyMde = g.maxAccuracyDrop || (primaryMde('accuracy') ?? 0.02);
  const returnMde = g.maxReturnDrop || (lossMde ?? primaryMde('return'));
  return {
    ...(g.maxAccuracyDrop !== undefined
      ? { accuracyDrop: tau2For(policy, 'accuracy', g.alpha, control, accuracyMde) }
      : {}),
    ...(g.maxReturnDrop !== undefined
      ? { returnDrop: tau2For(policy, 'return', g.alpha, control, returnMde) }
      : {}),
    ...(lossMde !== undefined ? { loss: tau2For(policy, 'return', g.alpha, control, lossMde) } : {}),
  };
}

function guardrailBreaches(
  arms: readonly ArmAggregates[],
  control: ArmAggregates,
  policy: ExperimentPolicy,
  level: AnalysisLevel,
  periods: readonly PeriodAggregates[] | undefined,
): string[] {
  const g = policy.guardrails;
  const breaches: string[] = [];
  const tau2s = guardrailTau2s(policy, control);
  const harm = (
    arm: ArmAggregates,
    metric: ExperimentPolicy['primaryMetric'],
    margin: number,
    tau2: number,
  ) => {
    if (outcomesOf(arm, metric) < MIN_FOR_VARIANCE || outcomesOf(control, metric) < MIN_FOR_VARIANCE)
      return null;
    const estimate = estimateDifference(control, arm, metric, level, periods, policy.minPeriods);
    if (!estimate) return null;
    const result = alwaysValidDifference({
      diff: estimate.diff,
      variance: estimate.variance,
      tau2,
      alpha: g.alpha,
    });
    // Surely worse by more than the margin: the whole interval lies below −margin.
    return { ...result, breached: result.ci[1] < -margin };
  };
  for (const arm of arms.filter((a) => !a.isControl)) {
    if (g.maxAccuracyDrop !== undefined) {
      const r = harm(arm, 'accuracy', g.maxAccuracyDrop, tau2s.accuracyDrop!);
      if (r?.breached)
        breaches.push(
          `${arm.variant} accuracy surely below control by more than ${g.maxAccuracyDrop} (difference ${r.diff.toFixed(4)}, interval [${r.ci[0].toFixed(4)}, ${r.ci[1].toFixed(4)}])`,
        );
    }
    if (g.maxReturnDrop !== undefined) {
      const r = harm(arm, 'return', g.maxReturnDrop, tau2s.returnDrop!);
      if (r?.breached)
        breaches.push(
          `${arm.variant} return per outcome surely below control by more than ${g.maxReturnDrop} (difference ${r.diff.toExponential(3)}, interval [${r.ci[0].toExponential(3)}, ${r.ci[1].toExponential(3)}])`,
        );
    }
    if (g.maxLoss !== undefined || g.maxDrawdown !== undefined) {
      const r = harm(arm, 'return', 0, tau2s.loss!);
      if (!r?.breached) continue;
      const traffic = arm.returnsN + control.returnsN;
      const excessLoss = -r.diff * traffic;
      if (g.maxLoss !== undefined && excessLoss > g.maxLoss)
        breaches.push(
          `${arm.variant} lost ${excessLoss.toFixed(4)} more than control over the same ${traffic} outcomes (> ${g.maxLoss})`,
        );
      if (g.maxDrawdown !== undefined) {
        const dd = periods
          ? drawdownOver(periods, arm.variant, control.variant)
          : (arm.maxDrawdown * traffic) / Math.max(1, arm.returnsN);
        const ddControl = periods
          ? drawdownOver(periods, control.variant, arm.variant)
          : (control.maxDrawdown * traffic) / Math.max(1, control.returnsN);
        if (dd - ddControl > g.maxDrawdown)
          breaches.push(
            `${arm.variant} drawdown ${dd.toFixed(4)} exceeds control's ${ddControl.toFixed(4)} over the same period by more than ${g.maxDrawdown}`,
          );
      }
    }
  }
  return breaches;
}

/**
 * The paired comparison over bars scored by both versions (served + shadow), in time order, with the
 * policy's score. Bars without what the score needs (no label for Brier/log, no return for pnl) are
 * skipped. Returns null when no bar qualifies.
 */
export function pairedComparisonOf(
  bars: ReadonlyArray<{
    label: number | null;
    champion: number;
    challenger: number;
    marketReturn: number | null;
  }>,
  policy: ExperimentPolicy,
): PairedComparisonState | null {
  const { score, logClip, pnlClip } = policy.paired;
  const comparison = createPairedComparison({ score, logClip, pnlClip, alpha: policy.alpha });
  let used = 0;
  for (const bar of bars) {
    if (score === 'pnl' ? bar.marketReturn === null : bar.label === null) continue;
    comparison.push({
      champion: bar.champion,
      challenger: bar.challenger,
      ...(bar.label !== null ? { label: bar.label } : {}),
      ...(bar.marketReturn !== null ? { marketReturn: bar.marketReturn } : {}),
    });
    used++;
  }
  return used > 0 ? comparison.state() : null;
}
