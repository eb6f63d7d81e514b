import { createRng } from '../../../../../src/stats/random';
import { sequentialTest, twoProportionZTest } from '../../../../../src/stats';

/** Options for {@link simulateExperiments}. */
export interface SimulationOptions {
  runs: number;
  seed: number;
  controlRate: number;
  treatmentRate: number;
  /** Outcomes (both arms together) between looks. */
  lookEvery: number;
  /** Outcomes (both arms together) at the last look. */
  maxOutcomes: number;
  alpha?: number;
  /** Mixing variance for the mSPRT (default: its own default). */
  tau2?: number;
}

/** Per-procedure rejection rates and stopping points of {@link simulateExperiments}. */
export interface SimulationResult {
  runs: number;
  /** mSPRT always-valid p ≤ α at any look. */
  sequentialRejectRate: number;
  /** Classical pooled z-test p < α at any look (the original system's peeking). */
  peekingRejectRate: number;
  /** Classical pooled z-test at the final look only. */
  fixedRejectRate: number;
  /** Total outcomes at which the mSPRT first rejected, per run (Infinity if never). */
  sequentialStops: number[];
}

/**
 * Seeded simulation of Bernoulli experiments with 50/50 random assignment, analysed after every
 * `lookEvery` outcomes by the mSPRT (running-minimum p-value) and by a peeking z-test, up to
 * `maxOutcomes`. Used by the unit tests (small) and bench/sequential-aa.bench.ts (large).
 */
export function simulateExperiments(options: SimulationOptions): SimulationResult {
  const alpha = options.alpha ?? 0.05;
  const rng = createRng(options.seed);
  let sequentialRejects = 0;
  let peekingRejects = 0;
  let fixedRejects = 0;
  const sequentialStops: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    let nA = 0;
    let nB = 0;
    let sA = 0;
    let sB = 0;
    let previous = 1;
    let sequentialStop = Infinity;
    let peeked = false;
    let lastP = 1;
    for (let outcome = 1; outcome <= options.maxOutcomes; outcome++) {
      if (rng.next() < 0.5) {
        nA++;
        if (rng.next() < options.controlRate) sA++;
      } else {
        nB++;
        if (rng.next() < options.treatmentRate) sB++;
      }
      if (outcome % options.lookEvery !== 0 || nA < 2 || nB < 2) continue;
      if (sequentialStop === Infinity) {
        const control = { n: nA, mean: sA / nA, variance: (sA * (nA - sA)) / (nA * (nA - 1)) };
        const treatment = { n: nB, mean: sB / nB, variance: (sB * (nB - sB)) / (nB * (nB - 1)) };
        const look = sequentialTest(control, treatment, {
          alpha,
          previousPValue: previous,
          ...(options.tau2 !== undefined ? { tau2: options.tau2 } : {}),
        });
        previous = look.pValue;
        if (look.pValue <= alpha) sequentialStop = outcome;
      }
      lastP = twoProportionZTest({ successes: sA, trials: nA }, { successes: sB, trials: nB }).pValue;
      if (lastP < alpha) peeked = true;
    }
    if (sequentialStop !== Infinity) sequentialRejects++;
    if (peeked) peekingRejects++;
    if (lastP < alpha) fixedRejects++;
    sequentialStops.push(sequentialStop);
  }
  return {
    runs: options.runs,
    sequentialRejectRate: sequentialRejects / options.runs,
    peekingRejectRate: peekingRejects / options.runs,
    fixedRejectRate: fixedRejects / options.runs,
    sequentialStops,
  };
}

/** Fraction of runs whose mSPRT rejected by `outcomes` total outcomes. */
export function rejectedBy(result: SimulationResult, outcomes: number): number {
  return result.sequentialStops.filter((stop) => stop <= outcomes).length / result.runs;
}
