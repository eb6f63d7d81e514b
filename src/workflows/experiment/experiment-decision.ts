import type { ExperimentPolicy } from '../policies/experiment-policy';
import type { ExperimentAnalysis, ExperimentEnd } from './experiment-types';

/**
 * Whether an experiment should end after this look, and why. Pure: the workflow calls it with the
 * analysis the activity computed. Order matters: a guardrail breach ends it at once; a sample-ratio
 * mismatch holds it (its data cannot be trusted, so it never promotes); then significance; then
 * futility by sample size or duration.
 */
export function decideExperiment(
  analysis: ExperimentAnalysis,
  policy: ExperimentPolicy,
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
