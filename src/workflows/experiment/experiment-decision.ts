import type { ExperimentPolicy } from '../../policies/experiment-policy';
import type { ExperimentAnalysis, ExperimentEnd } from './experiment-types';

type Verdict =
  { kind: 'better'; winner: string; reason: string } | { kind: 'worse'; reason: string } | undefined;

function splitVerdict(analysis: ExperimentAnalysis, policy: ExperimentPolicy): Verdict {
  const enough = analysis.arms.every((a) => a.n >= policy.minSamplesPerVariant);
  if (!enough || analysis.comparisons.length === 0) return undefined;
  // Bonferroni over treatments keeps the family-wise error at alpha with several challengers.
  const level = policy.alpha / analysis.comparisons.length;
  const significant = analysis.comparisons.filter((c) => c.pValue < level && c.ci !== null);
  const better = significant.filter((c) => c.diff > 0).sort((a, b) => b.diff - a.diff)[0];
  if (better) {
    return {
      kind: 'better',
      winner: better.variant,
      reason: `${better.variant} beats control by ${better.diff.toFixed(4)} (always-valid p = ${better.pValue.toExponential(2)} < ${level}${better.level ? `, per ${better.level}` : ''})`,
    };
  }
  if (significant.length === analysis.comparisons.length) {
    const control = analysis.arms.find((a) => a.isControl)?.variant ?? 'control';
    return { kind: 'worse', reason: `every treatment is significantly worse than ${control}` };
  }
  return undefined;
}

function pairedVerdict(analysis: ExperimentAnalysis): Verdict {
  const p = analysis.paired;
  if (!p) return undefined;
  const interval = `[${p.interval[0].toExponential(3)}, ${p.interval[1].toExponential(3)}]`;
  if (p.decision === 'promote')
    return {
      kind: 'better',
      winner: p.variant,
      reason: `${p.variant} scores better than control on the same ${p.bars} bars (${p.score} differential ${interval}, anytime-valid)`,
    };
  if (p.decision === 'reject')
    return {
      kind: 'worse',
      reason: `${p.variant} scores worse than control on the same ${p.bars} bars (${p.score} differential ${interval}, anytime-valid)`,
    };
  return undefined;
}

/**
 * Whether an experiment should end after this look, and why. Pure: the workflow calls it with the
 * analysis the activity computed. Order matters: a guardrail breach ends it at once; a sample-ratio
 * mismatch holds it (its data cannot be trusted, so it never promotes); then the comparison the policy
 * chose (`paired` by default, `split`, or `both`); then futility by sample size, bars or duration.
 * `paired` without any shadow-scored bar falls back to the split, and its reason says so.
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
      reason: `sample ratio mismatch on ${analysis.srm.counted ?? 'decisions'} (χ² = ${analysis.srm.chi2.toFixed(1)}, always-valid p = ${analysis.srm.pValue.toExponential(2)})`,
    };
  }
  const control = analysis.arms.find((a) => a.isControl)?.variant ?? 'control';
  const hasPaired = !!analysis.paired && analysis.paired.bars > 0;
  const mode = policy.comparison === 'split' || !hasPaired ? 'split' : policy.comparison;
  const fallback = policy.comparison !== 'split' && !hasPaired ? ' (split: no shadow-scored bars yet)' : '';

  let verdict: Verdict;
  if (mode === 'split') verdict = splitVerdict(analysis, policy);
  else if (mode === 'paired') verdict = pairedVerdict(analysis);
  else {
    const paired = pairedVerdict(analysis);
    const split = splitVerdict(analysis, policy);
    if (paired?.kind === 'worse') verdict = paired;
    else if (split?.kind === 'worse') verdict = split;
    else if (paired?.kind === 'better' && split?.kind === 'better' && paired.winner === split.winner)
      verdict = { ...paired, reason: `${paired.reason}; ${split.reason}` };
  }
  if (verdict?.kind === 'better')
    return { kind: 'significant', winner: verdict.winner, reason: verdict.reason + fallback };
  if (verdict?.kind === 'worse')
    return { kind: 'significant', winner: control, reason: verdict.reason + fallback };

  if (mode !== 'split' && analysis.paired && analysis.paired.bars >= policy.paired.maxBars) {
    return {
      kind: 'futility',
      reason: `no difference on the same bars after ${policy.paired.maxBars} paired bars`,
    };
  }
  if (mode !== 'paired' && analysis.arms.every((a) => a.n >= policy.maxSamplesPerVariant)) {
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

/** The decision as the offline analysis names it. */
export type ExperimentDecisionName = 'promote' | 'reject' | 'hold' | 'rollback' | 'stop' | 'continue';

/** Maps an experiment end (or none) to promote / reject / hold / rollback / stop / continue. */
export function decisionName(end: ExperimentEnd | undefined, controlVariant: string): ExperimentDecisionName {
  if (!end) return 'continue';
  switch (end.kind) {
    case 'significant':
    case 'concluded':
      return end.winner === controlVariant ? 'reject' : 'promote';
    case 'srm':
      return 'hold';
    case 'guardrail':
      return 'rollback';
    default:
      return 'stop';
  }
}
