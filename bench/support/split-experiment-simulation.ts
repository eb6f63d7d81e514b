// Simulated split experiments fed look by look through the experiment decision code, old and new, for
// bench/decision-validity.bench.ts. Every data-generating process produces outcomes one routed request
// at a time, in time order; the same stream goes through both versions of the code.
import type { Rng } from '../../src/stats/random';
import {
  analyseArms,
  type AllocationStrategyName,
  type ArmAggregates,
  type PeriodAggregates,
} from '../../src/lifecycle/analyse-arms';
import { decideExperiment } from '../../src/workflows/experiment/experiment-decision';
import type { ExperimentPolicy } from '../../src/policies/experiment-policy';
import type { UnitSums } from '../../src/stats/sequential';
import { legacyAnalyseArms, legacyDecideExperiment, type LegacyPolicy } from './legacy-decisions';

/** One routed request with its outcome. */
export interface Outcome {
  arm: 0 | 1;
  unit: number;
  value: number;
}

/** A data-generating process: yields outcomes given the weight currently served to arm 1. */
export interface Process {
  metric: 'accuracy' | 'return';
  strategy: AllocationStrategyName;
  /** Requests per bar (period boundaries are multiples of bars). */
  barsPerPeriod: number;
  /** Produces the next bar's outcomes. `weight1` is the share currently served to the treatment. */
  nextBar(rng: Rng, weight1: number, t: number): Outcome[];
  /** Adaptive strategies: new served weight of arm 1 from the arms' stats, called every epoch. */
  reweight?: (rng: Rng, arms: ReadonlyArray<{ n: number; successes: number }>) => number;
  /** Units come back (sticky assignment); otherwise every outcome is its own unit, and no map is kept. */
  stickyUnits?: boolean;
  epochOutcomes?: number;
}

/** What one simulated experiment did, old and new, over its whole horizon. */
export interface RunResult {
  /** Outcomes at which the first significant decision fired (either direction), or Infinity. */
  newDecisionAt: number;
  newDecision: 'promote' | 'reject' | null;
  oldDecisionAt: number;
  oldDecision: 'promote' | 'reject' | null;
  newSrmHeld: boolean;
  oldSrmHeld: boolean;
  newBreached: boolean;
  oldBreached: boolean;
}

function emptyUnitSums(): UnitSums {
  return { units: 0, sumY: 0, sumN: 0, sumYY: 0, sumNN: 0, sumYN: 0 };
}

interface ArmState {
  assignments: number;
  labelled: number;
  correct: number;
  returnsN: number;
  returnSum: number;
  returnSumSq: number;
  cum: number;
  peak: number;
  drawdown: number;
  units: number;
}

/**
 * Runs one experiment of `process` up to `maxOutcomes`, analysing every `lookEvery` outcomes with both
 * the new and the legacy code. Guardrails, SRM and significance are recorded independently (the run
 * does not stop at the first of them) so that each rate covers the whole horizon.
 */
export function runSplitExperiment(
  rng: Rng,
  process: Process,
  policy: ExperimentPolicy,
  legacyPolicy: LegacyPolicy,
  options: { lookEvery: number; maxOutcomes: number; stopAtDecision?: boolean },
): RunResult {
  const names = ['control', 'treatment'];
  const arms: ArmState[] = [0, 1].map(() => ({
    assignments: 0,
    labelled: 0,
    correct: 0,
    returnsN: 0,
    returnSum: 0,
    returnSumSq: 0,
    cum: 0,
    peak: 0,
    drawdown: 0,
    units: 0,
  }));
  const unitArm = new Map<number, number>();
  // Per-unit running (Y, N) so that the sums of squares can be updated incrementally.
  const unitY = new Map<number, number>();
  const unitN = new Map<number, number>();
  const unitSums = [emptyUnitSums(), emptyUnitSums()];
  const periods: PeriodAggregates[] = [];
  let current: PeriodAggregates | null = null;
  let weight1 = 0.5;
  let sinceEpoch = 0;
  let outcomes = 0;
  let nextLook = options.lookEvery;
  let bar = 0;
  const previous: Record<string, number> = {};
  const legacyPrevious: Record<string, number> = {};
  const result: RunResult = {
    newDecisionAt: Infinity,
    newDecision: null,
    oldDecisionAt: Infinity,
    oldDecision: null,
    newSrmHeld: false,
    oldSrmHeld: false,
    newBreached: false,
    oldBreached: false,
  };

  const startPeriod = () => {
    current = {
      start: bar,
      arms: Object.fromEntries(
        names.map((n, i) => [
          n,
          {
            decisions: 0,
            servedWeight: i === 1 ? weight1 : 1 - weight1,
            labelled: 0,
            correct: 0,
            returnsN: 0,
            returnSum: 0,
          },
        ]),
      ),
    };
    periods.push(current);
  };

  const aggregates = (): ArmAggregates[] =>
    arms.map((a, i) => ({
      variant: names[i] as string,
      isControl: i === 0,
      weight: 0.5,
      assignments: a.assignments,
      labelled: a.labelled,
      correct: a.correct,
      returnsN: a.returnsN,
      returnSum: a.returnSum,
      returnSumSq: a.returnSumSq,
      maxDrawdown: a.drawdown,
      units: a.units,
      ...(process.metric === 'accuracy'
        ? { accuracyUnits: { ...(unitSums[i] as UnitSums) } }
        : { returnUnits: { ...(unitSums[i] as UnitSums) } }),
    }));

  const look = () => {
    const data = aggregates();
    const now = outcomes;
    const analysis = analyseArms(data, policy, previous, now, {
      strategy: process.strategy,
      periods,
    });
    for (const c of analysis.comparisons) previous[c.variant] = c.pValue;
    if (analysis.srm.mismatch) result.newSrmHeld = true;
    if (analysis.guardrailBreaches.length > 0) result.newBreached = true;
    const end = decideExperiment(
      { ...analysis, guardrailBreaches: [], srm: { ...analysis.srm, mismatch: false } },
      policy,
      0,
      Infinity,
    );
    if (end?.kind === 'significant' && result.newDecision === null) {
      result.newDecision = end.winner === 'control' ? 'reject' : 'promote';
      result.newDecisionAt = outcomes;
    }

    const legacy = legacyAnalyseArms(data, legacyPolicy, legacyPrevious, now, {
      checkSrm: process.strategy === 'hash' || process.strategy === 'random',
    });
    for (const c of legacy.comparisons) legacyPrevious[c.variant] = c.pValue;
    if (legacy.srm.mismatch) result.oldSrmHeld = true;
    if (legacy.guardrailBreaches.length > 0) result.oldBreached = true;
    const oldEnd = legacyDecideExperiment(
      { ...legacy, guardrailBreaches: [], srm: { ...legacy.srm, mismatch: false } },
      legacyPolicy,
      0,
      Infinity,
    );
    if (oldEnd?.kind === 'significant' && result.oldDecision === null) {
      result.oldDecision = oldEnd.winner === 'control' ? 'reject' : 'promote';
      result.oldDecisionAt = outcomes;
    }
  };

  while (outcomes < options.maxOutcomes) {
    if (bar % process.barsPerPeriod === 0) startPeriod();
    const batch = process.nextBar(rng, weight1, bar);
    bar++;
    for (const o of batch) {
      const a = arms[o.arm] as ArmState;
      const p = (current as unknown as PeriodAggregates).arms[names[o.arm] as string]!;
      a.assignments++;
      p.decisions = (p.decisions ?? 0) + 1;
      const s = unitSums[o.arm] as UnitSums;
      if (process.stickyUnits) {
        if (!unitArm.has(o.unit)) {
          unitArm.set(o.unit, o.arm);
          a.units++;
        }
        const y0 = unitY.get(o.unit) ?? 0;
        const n0 = unitN.get(o.unit) ?? 0;
        if (n0 === 0) s.units++;
        const y1 = y0 + o.value;
        const n1 = n0 + 1;
        s.sumYY += y1 * y1 - y0 * y0;
        s.sumNN += n1 * n1 - n0 * n0;
        s.sumYN += y1 * n1 - y0 * n0;
        unitY.set(o.unit, y1);
        unitN.set(o.unit, n1);
      } else {
        a.units++;
        s.units++;
        s.sumYY += o.value * o.value;
        s.sumNN += 1;
        s.sumYN += o.value;
      }
      s.sumY += o.value;
      s.sumN += 1;
      if (process.metric === 'accuracy') {
        a.labelled++;
        p.labelled++;
        if (o.value === 1) {
          a.correct++;
          p.correct++;
        }
      } else {
        a.returnsN++;
        a.returnSum += o.value;
        a.returnSumSq += o.value * o.value;
        p.returnsN++;
        p.returnSum += o.value;
        a.cum += o.value;
        a.peak = Math.max(a.peak, a.cum);
        a.drawdown = Math.max(a.drawdown, a.peak - a.cum);
      }
      outcomes++;
      sinceEpoch++;
      if (process.reweight && sinceEpoch >= (process.epochOutcomes ?? 1000)) {
        sinceEpoch = 0;
        weight1 = process.reweight(
          rng,
          arms.map((x) => ({ n: x.labelled, successes: x.correct })),
        );
        // A new allocation epoch starts a new period, so each period has one served weight.
        startPeriod();
      }
      if (outcomes >= nextLook) {
        nextLook += options.lookEvery;
        look();
        if (options.stopAtDecision && result.newDecision !== null && result.oldDecision !== null)
          return result;
      }
      if (outcomes >= options.maxOutcomes) break;
    }
  }
  return result;
}
