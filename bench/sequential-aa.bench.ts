// Large seeded simulations for the sequential test (run: npx ts-node bench/sequential-aa.bench.ts).
// 1. A/A: Bernoulli(0.55) in both arms, 50/50 random assignment, analysed after every 100 outcomes
//    up to 10,000: false-positive rate of the mSPRT (always-valid p ≤ 0.05 at any look) beside the
//    peeking pooled z-test (p < 0.05 at any look) and the single final-look z-test.
// 2. The original system's schedule (gal-friday-original.md §7 E.1): looks every 100 outcomes from
//    2,000 to 20,000 (≈ 1,000 → 10,000 per arm).
// 3. A/B at the planned MDE (0.55 → 0.60): power of the mSPRT by 1× and 2× the fixed-horizon size.
// 4. sequentialSampleSize's planned maximum for the same design (Gaussian approximation).
import {
  sampleSizeForProportions,
  sequentialSampleSize,
  sequentialTest,
  twoProportionZTest,
} from '../src/stats';
import { createRng } from '../src/stats/random';
import { rejectedBy, simulateExperiments } from '../test/unit/stats/experiment/support/ab-simulation';

function rate(label: string, value: number, runs: number): string {
  const se = Math.sqrt((value * (1 - value)) / runs);
  return `${label.padEnd(44)} ${value.toFixed(4)}  ± ${(1.96 * se).toFixed(4)} (95% MC)`;
}

function main(): void {
  const started = Date.now();
  const aaRuns = 10_000;
  const aa = simulateExperiments({
    runs: aaRuns,
    seed: 1,
    controlRate: 0.55,
    treatmentRate: 0.55,
    lookEvery: 100,
    maxOutcomes: 10_000,
  });
  console.log(`A/A, ${aaRuns} experiments, looks every 100 outcomes up to 10,000 (100 looks), alpha 0.05`);
  console.log(rate('  mSPRT (always-valid p, running minimum)', aa.sequentialRejectRate, aaRuns));
  console.log(rate('  z-test, stop at first p < 0.05 (peeking)', aa.peekingRejectRate, aaRuns));
  console.log(rate('  z-test, single look at 10,000', aa.fixedRejectRate, aaRuns));

  const legacyRuns = 4_000;
  const legacy = simulateLegacySchedule(legacyRuns, 2_000, 20_000);
  console.log(
    `\nOriginal schedule, ${legacyRuns} A/A experiments: first look at ~1,000/arm, then every ~100/arm to ~10,000/arm`,
  );
  console.log(rate('  mSPRT', legacy.sequential, legacyRuns));
  console.log(rate('  z-test with peeking (original system)', legacy.peeking, legacyRuns));

  const plan = sampleSizeForProportions({ baselineRate: 0.55, mde: 0.05 });
  const fixedTotal = plan.total;
  const abRuns = 5_000;
  const ab = simulateExperiments({
    runs: abRuns,
    seed: 2,
    controlRate: 0.55,
    treatmentRate: 0.6,
    lookEvery: 100,
    maxOutcomes: 3 * fixedTotal,
  });
  console.log(
    `\nA/B 0.55 → 0.60 (planned MDE), ${abRuns} experiments; fixed-horizon plan ${plan.control}/arm (${fixedTotal} outcomes)`,
  );
  console.log(rate('  mSPRT power by 1× fixed horizon', rejectedBy(ab, fixedTotal), abRuns));
  console.log(
    rate('  mSPRT power by 1.5× fixed horizon', rejectedBy(ab, Math.round(1.5 * fixedTotal)), abRuns),
  );
  console.log(rate('  mSPRT power by 2× fixed horizon', rejectedBy(ab, 2 * fixedTotal), abRuns));
  const stops = ab.sequentialStops.filter(Number.isFinite).sort((x, y) => x - y);
  const at80 = stops[Math.ceil(0.8 * abRuns) - 1] ?? Infinity;
  console.log(
    `  outcomes by which 80% of experiments stopped: ${at80} (${(at80 / fixedTotal).toFixed(2)}× fixed horizon)`,
  );
  const capped = ab.sequentialStops.map((s) => Math.min(s, 2 * fixedTotal));
  console.log(
    `  mean outcomes to stop (capped at 2×): ${(capped.reduce((a, b) => a + b, 0) / abRuns).toFixed(0)} (${(capped.reduce((a, b) => a + b, 0) / abRuns / fixedTotal).toFixed(2)}× fixed)`,
  );

  const sd = Math.sqrt(0.575 * 0.425);
  const planned = sequentialSampleSize({ sd, mde: 0.05, simulations: 20_000, seed: 5, lookEvery: 50 });
  console.log(
    `\nsequentialSampleSize (Gaussian, sd ${sd.toFixed(3)}, mde 0.05, 20,000 simulations, looks every 50/arm):`,
  );
  console.log(
    `  fixed ${planned.fixedHorizon.control}/arm, maximum ${planned.maximum.control}/arm (${planned.ratioToFixed.toFixed(2)}×), expected ${planned.expectedControl.toFixed(0)}/arm`,
  );
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/**
 * The Python system's schedule: no look before `firstLook` outcomes, then every 100, both procedures
 * analysing the same paths (the mSPRT's running minimum starts at the first look).
 */
function simulateLegacySchedule(
  runs: number,
  firstLook: number,
  maxOutcomes: number,
): { sequential: number; peeking: number } {
  const rng = createRng(3);
  let seq = 0;
  let peek = 0;
  for (let run = 0; run < runs; run++) {
    let nA = 0;
    let nB = 0;
    let sA = 0;
    let sB = 0;
    let previous = 1;
    let seqRejected = false;
    let peekRejected = false;
    for (let outcome = 1; outcome <= maxOutcomes; outcome++) {
      if (rng.next() < 0.5) {
        nA++;
        if (rng.next() < 0.55) sA++;
      } else {
        nB++;
        if (rng.next() < 0.55) sB++;
      }
      if (outcome < firstLook || outcome % 100 !== 0) continue;
      if (!seqRejected) {
        const look = sequentialTest(
          { n: nA, mean: sA / nA, variance: (sA * (nA - sA)) / (nA * (nA - 1)) },
          { n: nB, mean: sB / nB, variance: (sB * (nB - sB)) / (nB * (nB - 1)) },
          { previousPValue: previous },
        );
        previous = look.pValue;
        if (look.pValue <= 0.05) seqRejected = true;
      }
      if (
        !peekRejected &&
        twoProportionZTest({ successes: sA, trials: nA }, { successes: sB, trials: nB }).pValue < 0.05
      )
        peekRejected = true;
      if (seqRejected && peekRejected) break;
    }
    if (seqRejected) seq++;
    if (peekRejected) peek++;
  }
  return { sequential: seq / runs, peeking: peek / runs };
}

main();
