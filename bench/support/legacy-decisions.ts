// The experiment decision code as it was before issue 14 (per-outcome variance, τ² re-tuned at every
// look, SRM on routing decisions, guardrails on point estimates and absolute cumulative bounds), kept
// verbatim so that bench/decision-validity.bench.ts measures old and new in the same run.
import { sequentialTest, srmTest, type Moments } from '../../src/stats';
import type { ArmAggregates } from '../../src/lifecycle/analyse-arms';
import type {
  ArmAnalysis,
  ArmComparison,
  ExperimentAnalysis,
  ExperimentEnd,
} from '../../src/workflows/experiment/experiment-types';

/** The fields of the old experiment policy the old code read. */
export interface LegacyPolicy {
  primaryMetric: 'accuracy' | 'return';
  alpha: number;
  tau2?: number;
  minSamplesPerVariant: number;
  maxSamplesPerVariant: number;
  maxDuration: string;
  srmAlpha: number;
  guardrails: { maxLoss?: number; maxDrawdown?: number; maxAccuracyDrop?: number };
}

function momentsOf(arm: ArmAggregates, metric: LegacyPolicy['primaryMetric']): Moments {
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

/**
 * Turns per-arm aggregates into one look of the experiment: each treatment against control with the
 * always-valid mSPRT (p-values kept as running minima through `previousPValues`), the SRM test on
 * assignments against the configured weights, and guardrail breaches.
 */
export function legacyAnalyseArms(
  arms: ArmAggregates[],
  policy: LegacyPolicy,
  previousPValues: Record<string, number>,
  now: number,
  options: { checkSrm?: boolean } = {},
): ExperimentAnalysis {
  const control = arms.find((a) => a.isControl);
  if (!control) throw new Error('the experiment has no control arm');
  const controlMoments = momentsOf(control, policy.primaryMetric);
  const analysed: ArmAnalysis[] = arms.map((a) => {
    const m = momentsOf(a, policy.primaryMetric);
    return {
      variant: a.variant,
      isControl: a.isControl,
      assignments: a.assignments,
      n: m.n,
      mean: m.mean,
      variance: m.variance,
      totalReturn: a.returnSum,
      maxDrawdown: a.maxDrawdown,
    };
  });

  const comparisons: ArmComparison[] = [];
  for (const arm of arms.filter((a) => !a.isControl)) {
    const treatment = momentsOf(arm, policy.primaryMetric);
    const previous = previousPValues[arm.variant] ?? 1;
    // The test needs two observations per arm with some spread; until then nothing is known.
    if (controlMoments.n < 2 || treatment.n < 2 || controlMoments.variance + treatment.variance === 0) {
      comparisons.push({
        variant: arm.variant,
        diff: treatment.mean - controlMoments.mean,
        pValue: previous,
        ci: null,
      });
      continue;
    }
    // Without an explicit τ² the statistics core tunes it to the arms' variance (documented there).
    const result = sequentialTest(controlMoments, treatment, {
      alpha: policy.alpha,
      previousPValue: previous,
      ...(policy.tau2 !== undefined ? { tau2: policy.tau2 } : {}),
    });
    comparisons.push({ variant: arm.variant, diff: result.diff, pValue: result.pValue, ci: result.ci });
  }

  const totalAssigned = arms.reduce((s, a) => s + a.assignments, 0);
  const weightSum = arms.reduce((s, a) => s + a.weight, 0);
  let srm = { chi2: 0, pValue: 1, mismatch: false };
  // Adaptive strategies move traffic away from the configured weights on purpose: no SRM test there.
  if (options.checkSrm !== false && totalAssigned >= arms.length * 10 && weightSum > 0) {
    const result = srmTest(
      arms.map((a) => a.assignments),
      arms.map((a) => a.weight / weightSum),
    );
    // A mismatch is both improbable (p < srmAlpha) and material (some arm off its share by > 0.1 pp).
    const deviation = Math.max(
      ...arms.map((a) => Math.abs(a.assignments / totalAssigned - a.weight / weightSum)),
    );
    srm = {
      chi2: result.chi2,
      pValue: result.pValue,
      mismatch: result.pValue < policy.srmAlpha && deviation > 0.001,
    };
  }

  const breaches: string[] = [];
  const { maxLoss, maxDrawdown, maxAccuracyDrop } = policy.guardrails;
  for (const arm of arms) {
    if (maxLoss !== undefined && arm.returnSum < -maxLoss)
      breaches.push(`${arm.variant} lost ${(-arm.returnSum).toFixed(4)} > ${maxLoss}`);
    if (maxDrawdown !== undefined && arm.maxDrawdown > maxDrawdown)
      breaches.push(`${arm.variant} drawdown ${arm.maxDrawdown.toFixed(4)} > ${maxDrawdown}`);
    if (
      maxAccuracyDrop !== undefined &&
      !arm.isControl &&
      arm.labelled >= policy.minSamplesPerVariant &&
      control.labelled >= policy.minSamplesPerVariant
    ) {
      const drop = control.correct / control.labelled - arm.correct / arm.labelled;
      if (drop > maxAccuracyDrop)
        breaches.push(`${arm.variant} accuracy ${drop.toFixed(4)} below control (> ${maxAccuracyDrop})`);
    }
  }
  return { analysedAt: now, arms: analysed, comparisons, srm, guardrailBreaches: breaches };
}

/**
 * Whether an experiment should end after this look, and why. Pure: the workflow calls it with the
 * analysis the activity computed. Order matters: a guardrail breach ends it at once; a sample-ratio
 * mismatch holds it (its data cannot be trusted, so it never promotes); then significance; then
 * futility by sample size or duration.
 */
export function legacyDecideExperiment(
  analysis: ExperimentAnalysis,
  policy: LegacyPolicy,
  elapsedMs: number,
  maxDurationMs: number,
): ExperimentEnd | undefined {
  if (analysis.guardrailBreaches.length > 0) {
    return { kind: 'guardrail', reason: `guardrail breached: ${analysis.guardrailBreaches.join('; ')}` };
  }
  if (analysis.srm.mismatch) {
    return {
      kind: 'srm',
      reason: `sample ratio mismatch (χ² = ${analysis.srm.chi2.toFixed(1)}, p = ${analysis.srm.pValue.toExponential(2)})`,
    };
  }
  const enough = analysis.arms.every((a) => a.n >= policy.minSamplesPerVariant);
  if (enough && analysis.comparisons.length > 0) {
    // Bonferroni over treatments keeps the family-wise error at alpha with several challengers.
    const level = policy.alpha / analysis.comparisons.length;
    const significant = analysis.comparisons.filter((c) => c.pValue < level);
    const better = significant.filter((c) => c.diff > 0).sort((a, b) => b.diff - a.diff)[0];
    if (better) {
      return {
        kind: 'significant',
        winner: better.variant,
        reason: `${better.variant} beats control by ${better.diff.toFixed(4)} (always-valid p = ${better.pValue.toExponential(2)} < ${level})`,
      };
    }
    if (significant.length === analysis.comparisons.length) {
      const control = analysis.arms.find((a) => a.isControl)?.variant ?? 'control';
      return {
        kind: 'significant',
        winner: control,
        reason: `every treatment is significantly worse than ${control}`,
      };
    }
  }
  if (analysis.arms.every((a) => a.n >= policy.maxSamplesPerVariant)) {
    return {
      kind: 'futility',
      reason: `no significant difference after ${policy.maxSamplesPerVariant} outcomes per arm`,
    };
  }
  if (elapsedMs >= maxDurationMs) {
    return {
      kind: 'futility',
      reason: `no significant difference within the maximum duration (${policy.maxDuration})`,
    };
  }
  return undefined;
}
