import { sequentialTest, srmTest, type Moments } from '../stats';
import type { ExperimentPolicy } from '../workflows/policies/experiment-policy';
import type {
  ArmAnalysis,
  ArmComparison,
  ExperimentAnalysis,
} from '../workflows/experiment/experiment-types';

/** Per-arm aggregates as the database returns them (sums, so that 10^7 outcomes cost one scan). */
export interface ArmAggregates {
  variant: string;
  isControl: boolean;
  weight: number;
  assignments: number;
  labelled: number;
  correct: number;
  returnsN: number;
  returnSum: number;
  returnSumSq: number;
  maxDrawdown: number;
}

function momentsOf(arm: ArmAggregates, metric: ExperimentPolicy['primaryMetric']): Moments {
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
export function analyseArms(
  arms: ArmAggregates[],
  policy: ExperimentPolicy,
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
