// Do automated experiment decisions keep their error rates on trading-like data? (issue 14)
// Run: npx ts-node bench/decision-validity.bench.ts   (DECISION_BENCH_RUNS=2000 for a full run)
//
// Per data-generating process, A/A traffic looked at every 200 outcomes up to 20,000 through the old
// decision code (bench/support/legacy-decisions.ts) and the new one, in the same run on the same
// streams: false significant decisions (promote or reject), SRM false holds, guardrail false breaches.
// Then power and outcomes-to-decision at the MDE (iid), and bars-to-decision of the paired comparison
// on the same bars against the unpaired split for a challenger with a real edge. Every rate carries
// its 95% Monte Carlo half-width. The drift rows are joined from bench/support/drift-validity.ts when
// it exists (the drift helper's part).
import { analyseArms, type ArmAggregates, type PeriodAggregates } from '../src/lifecycle/analyse-arms';
import { decideExperiment } from '../src/workflows/experiment/experiment-decision';
import { sampleSizePerArm } from '../src/stats';
import { createRng, type Rng } from '../src/stats/random';
import { createPairedComparison, decidePairedComparison } from '../src/stats/sequential';
import { thompsonWeights } from '../src/routing/allocation/thompson';
import { experimentPolicySchema, type ExperimentPolicy } from '../src/policies/experiment-policy';
import type { LegacyPolicy } from './support/legacy-decisions';
import { runSplitExperiment, type Outcome, type Process } from './support/split-experiment-simulation';
import { printDriftRows } from './support/drift-validity';

const RUNS = Number(process.env.DECISION_BENCH_RUNS ?? 200);
const LOOK_EVERY = 200;
const MAX_OUTCOMES = Number(process.env.DECISION_BENCH_MAX_OUTCOMES ?? 20_000);

function rate(hits: number, runs: number): string {
  const p = hits / runs;
  const half = 1.96 * Math.sqrt(Math.max(p * (1 - p), 1 / runs) / runs);
  return `${p.toFixed(3)} ± ${half.toFixed(3)}`;
}

const normal = (rng: Rng) => rng.normal();
const bernoulli = (rng: Rng, p: number) => (rng.next() < p ? 1 : 0);
const assign = (rng: Rng, w1: number): 0 | 1 => (rng.next() < w1 ? 1 : 0);

let unitCounter = 0;
const freshUnit = () => unitCounter++;

/** Two requests per bar, each with its own outcome drawn by `draw` from the arm's own stream. */
function perArmStream(
  metric: 'accuracy' | 'return',
  makeStream: () => (rng: Rng) => number,
  perBar = 2,
  strategy: Process['strategy'] = 'random',
): () => Process {
  return () => {
    const streams = [makeStream(), makeStream()];
    return {
      metric,
      strategy,
      barsPerPeriod: 20,
      nextBar(rng, w1) {
        const out: Outcome[] = [];
        for (let j = 0; j < perBar; j++) {
          const arm = assign(rng, w1);
          out.push({ arm, unit: freshUnit(), value: (streams[arm] as (r: Rng) => number)(rng) });
        }
        return out;
      },
    };
  };
}

function ar1(phi: number) {
  return () => {
    let x = 0;
    let started = false;
    return (rng: Rng) => {
      x = started ? phi * x + Math.sqrt(1 - phi * phi) * normal(rng) : normal(rng);
      started = true;
      return x;
    };
  };
}

function garch() {
  return () => {
    const omega = 0.05;
    const a = 0.1;
    const b = 0.85;
    let sigma2 = omega / (1 - a - b);
    let last = 0;
    return (rng: Rng) => {
      sigma2 = omega + a * last * last + b * sigma2;
      last = Math.sqrt(sigma2) * normal(rng);
      return last;
    };
  };
}

/** Ten requests per bar; each arm's outcomes in a bar share one shock (intra-bar correlation icc). */
function sharedShock(icc: number): () => Process {
  return () => ({
    metric: 'return',
    strategy: 'random',
    barsPerPeriod: 4,
    nextBar(rng, w1) {
      const shocks = [normal(rng), normal(rng)];
      const out: Outcome[] = [];
      for (let j = 0; j < 10; j++) {
        const arm = assign(rng, w1);
        const value = Math.sqrt(icc) * (shocks[arm] as number) + Math.sqrt(1 - icc) * normal(rng);
        out.push({ arm, unit: freshUnit(), value });
      }
      return out;
    },
  });
}

/** Accuracy with 5 identical outcomes per bar and arm: the model is scored 5 times on one prediction. */
function identicalAccuracy(): Process {
  return {
    metric: 'accuracy',
    strategy: 'random',
    barsPerPeriod: 4,
    nextBar(rng) {
      const out: Outcome[] = [];
      for (const arm of [0, 1] as const) {
        const correct = bernoulli(rng, 0.55);
        for (let j = 0; j < 5; j++) out.push({ arm, unit: freshUnit(), value: correct });
      }
      return out;
    },
  };
}

/** 500 sticky units with lognormal activity and persistent unit effects, hash assignment 50/50. */
function lognormalUnits(): Process {
  const units = 500;
  let activity: number[] = [];
  let effect: number[] = [];
  let arm: Array<0 | 1> = [];
  let cumulative: number[] = [];
  let base = 0;
  let initialised = false;
  return {
    metric: 'return',
    strategy: 'hash',
    stickyUnits: true,
    barsPerPeriod: 20,
    nextBar(rng) {
      if (!initialised) {
        initialised = true;
        base = unitCounter;
        unitCounter += units;
        activity = Array.from({ length: units }, () => Math.exp(1.5 * normal(rng)));
        effect = Array.from({ length: units }, () => 0.5 * normal(rng));
        arm = Array.from({ length: units }, () => assign(rng, 0.5));
        let s = 0;
        cumulative = activity.map((a) => (s += a));
      }
      const total = cumulative[units - 1] as number;
      const out: Outcome[] = [];
      for (let j = 0; j < 2; j++) {
        const u = rng.next() * total;
        let lo = 0;
        let hi = units - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((cumulative[mid] as number) < u) lo = mid + 1;
          else hi = mid;
        }
        out.push({ arm: arm[lo] as 0 | 1, unit: base + lo, value: (effect[lo] as number) + normal(rng) });
      }
      return out;
    },
  };
}

/** Accuracy whose base rate alternates 0.60 / 0.50 every 5,000 outcomes, under an allocation strategy. */
function regime(strategy: 'fixed' | 'thompson' | 'epsilon_greedy'): Process {
  let served = 0;
  const process: Process = {
    metric: 'accuracy',
    strategy: strategy === 'fixed' ? 'random' : strategy,
    barsPerPeriod: 50,
    epochOutcomes: 1000,
    nextBar(rng, w1) {
      const out: Outcome[] = [];
      for (let j = 0; j < 4; j++) {
        const rateNow = Math.floor(served / 5000) % 2 === 0 ? 0.6 : 0.5;
        served++;
        out.push({ arm: assign(rng, w1), unit: freshUnit(), value: bernoulli(rng, rateNow) });
      }
      return out;
    },
  };
  if (strategy === 'thompson') {
    process.reweight = (rng, arms) =>
      thompsonWeights({
        reward: 'bernoulli',
        arms,
        configuredWeights: [0.5, 0.5],
        rng,
        draws: 1000,
        minUnitsPerArm: 100,
      }).weights[1] as number;
  }
  if (strategy === 'epsilon_greedy') {
    process.reweight = (_rng, arms) => {
      const means = arms.map((a) => (a.n > 0 ? a.successes / a.n : 0));
      const eps = 0.1;
      return (means[1] as number) > (means[0] as number) ? 1 - eps / 2 : eps / 2;
    };
  }
  return process;
}

function policies(metric: 'accuracy' | 'return'): { policy: ExperimentPolicy; legacy: LegacyPolicy } {
  const guardrails =
    metric === 'accuracy' ? { maxAccuracyDrop: 0.02 } : { maxReturnDrop: 0, maxLoss: 50, maxDrawdown: 50 };
  const policy = experimentPolicySchema.parse({
    primaryMetric: metric,
    comparison: 'split',
    ...(process.env.DECISION_BENCH_LEVEL ? { analysisLevel: process.env.DECISION_BENCH_LEVEL } : {}),
    minimumDetectableEffect: metric === 'accuracy' ? 0.05 : 0.1,
    minSamplesPerVariant: 100,
    maxSamplesPerVariant: 1e9,
    guardrails,
  });
  const legacy: LegacyPolicy = {
    primaryMetric: metric,
    alpha: 0.05,
    minSamplesPerVariant: 100,
    maxSamplesPerVariant: 1e9,
    maxDuration: '7d',
    srmAlpha: 0.001,
    guardrails: metric === 'accuracy' ? { maxAccuracyDrop: 0.02 } : { maxLoss: 50, maxDrawdown: 50 },
  };
  return { policy, legacy };
}

interface Row {
  name: string;
  make: () => Process;
}

function aaTable(): void {
  const rows: Row[] = [
    { name: 'iid normal', make: perArmStream('return', () => normal) },
    { name: 'AR(1) φ = 0.3', make: perArmStream('return', ar1(0.3)) },
    { name: 'AR(1) φ = 0.6', make: perArmStream('return', ar1(0.6)) },
    { name: 'GARCH(1,1) 0.05/0.10/0.85', make: perArmStream('return', garch()) },
    { name: 'shared per-bar shock, ICC 0.5', make: sharedShock(0.5) },
    { name: 'shared per-bar shock, ICC 1', make: sharedShock(1) },
    { name: 'accuracy, 5 identical outcomes/bar', make: identicalAccuracy },
    { name: 'lognormal unit activity (hash)', make: lognormalUnits },
    { name: 'regime 0.60/0.50, fixed 50/50', make: () => regime('fixed') },
    { name: 'regime 0.60/0.50, Thompson', make: () => regime('thompson') },
    { name: 'regime 0.60/0.50, ε-greedy', make: () => regime('epsilon_greedy') },
  ];
  console.log(
    `A/A, ${RUNS} experiments per process, looks every ${LOOK_EVERY} outcomes up to ${MAX_OUTCOMES}, α 0.05; old → new, 95% MC half-widths`,
  );
  console.log(
    `${'process'.padEnd(36)} ${'false significant (old → new)'.padEnd(32)} ${'SRM false holds'.padEnd(30)} guardrail false breaches`,
  );
  const failures: string[] = [];
  const filter = process.env.DECISION_BENCH_ROWS?.split(',');
  for (const row of rows) {
    if (filter && !filter.some((f) => row.name.includes(f))) continue;
    const rng = createRng(1000 + rows.indexOf(row));
    let oldSig = 0;
    let newSig = 0;
    let oldSrm = 0;
    let newSrm = 0;
    let oldG = 0;
    let newG = 0;
    for (let r = 0; r < RUNS; r++) {
      const process = row.make();
      const { policy, legacy } = policies(process.metric);
      const result = runSplitExperiment(rng, process, policy, legacy, {
        lookEvery: LOOK_EVERY,
        maxOutcomes: MAX_OUTCOMES,
      });
      if (result.oldDecision) oldSig++;
      if (result.newDecision) newSig++;
      if (result.oldSrmHeld) oldSrm++;
      if (result.newSrmHeld) newSrm++;
      if (result.oldBreached) oldG++;
      if (result.newBreached) newG++;
    }
    const mc = 1.96 * Math.sqrt((0.05 * 0.95) / RUNS);
    if (newSig / RUNS > 0.05 + mc) failures.push(`${row.name}: false significant ${newSig / RUNS}`);
    if (newSrm / RUNS > 0.002 + 1.96 * Math.sqrt(0.002 / RUNS))
      failures.push(`${row.name}: SRM ${newSrm / RUNS}`);
    if (newG / RUNS > 0.05 + mc) failures.push(`${row.name}: guardrail ${newG / RUNS}`);
    console.log(
      `${row.name.padEnd(36)} ${`${rate(oldSig, RUNS)} → ${rate(newSig, RUNS)}`.padEnd(32)} ${`${rate(oldSrm, RUNS)} → ${rate(newSrm, RUNS)}`.padEnd(30)} ${rate(oldG, RUNS)} → ${rate(newG, RUNS)}`,
    );
  }
  console.log(
    failures.length
      ? `GOALS MISSED: ${failures.join('; ')}`
      : 'goals met: false significant ≤ 0.05 + MC, SRM ≤ 0.002 + MC, guardrails ≤ 0.05 + MC',
  );
}

function powerTable(): void {
  // iid normal σ = 1, effect = MDE = 0.1: fixed-horizon n per arm at α 0.05, power 0.8.
  const plan = sampleSizePerArm({ sd: 1, mde: 0.1 });
  const fixedTotal = plan.control + plan.treatment;
  const runs = Math.max(100, RUNS);
  console.log(
    `\nPower at the MDE (iid normal, effect 0.1σ), ${runs} experiments per line; fixed-horizon plan ${fixedTotal} outcomes in total`,
  );
  for (const strategy of ['random', 'hash'] as const) {
    const rng = createRng(strategy === 'random' ? 77 : 78);
    let newBy2 = 0;
    let oldBy2 = 0;
    const newStops: number[] = [];
    for (let r = 0; r < runs; r++) {
      const proc = perArmStream('return', () => normal, 2, strategy)();
      const base = proc.nextBar.bind(proc);
      proc.nextBar = (g, w, t) =>
        base(g, w, t).map((o) => (o.arm === 1 ? { ...o, value: o.value + 0.1 } : o));
      const { policy, legacy } = policies('return');
      const result = runSplitExperiment(rng, proc, policy, legacy, {
        lookEvery: LOOK_EVERY,
        maxOutcomes: 2 * fixedTotal,
        stopAtDecision: true,
      });
      if (result.newDecision === 'promote') newBy2++;
      if (result.oldDecision === 'promote') oldBy2++;
      newStops.push(result.newDecision === 'promote' ? result.newDecisionAt : Infinity);
    }
    newStops.sort((a, b) => a - b);
    const median = newStops[Math.floor(runs / 2)];
    const level = strategy === 'random' ? 'per period (random)' : 'per unit (hash)';
    console.log(
      `  ${level.padEnd(20)} promoted by 2× fixed horizon: old ${rate(oldBy2, runs)}, new ${rate(newBy2, runs)} (goal ≥ 0.80); new median to promote ${median} (${(Number(median) / fixedTotal).toFixed(2)}× fixed)`,
    );
  }
}

/**
 * Champion and challenger forecasting the same bars. The market's log-odds zₜ follow an AR(1) with a
 * regime-switching scale (non-stationary); yₜ ~ Bernoulli(σ(zₜ)); each forecaster sees zₜ through its
 * own noise. Paired: both scored on every bar. Split: each bar served by one version at random, its
 * Brier score being the outcome the new split analysis (per period, Newey–West) tests.
 */
function pairedTable(): void {
  const runs = Math.max(100, Math.round(RUNS / 2));
  const maxBars = 60_000;
  const simulate = (seed: number, noiseChampion: number, noiseChallenger: number, capBars = maxBars) => {
    const rng = createRng(seed);
    let z = 0;
    const policy = experimentPolicySchema.parse({
      primaryMetric: 'return',
      comparison: 'split',
      minimumDetectableEffect: 0.01,
      minSamplesPerVariant: 100,
      maxSamplesPerVariant: 1e9,
    });
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const paired = createPairedComparison({ score: 'brier' });
    let pairedAt = Infinity;
    let pairedDecision: string | null = null;
    let splitAt = Infinity;
    let splitDecision: string | null = null;
    const { runSplitExperimentOnStream } = splitStream();
    const split = runSplitExperimentOnStream(policy);
    for (let t = 1; t <= capBars && (pairedAt === Infinity || splitAt === Infinity); t++) {
      const scale = Math.floor(t / 2000) % 2 === 0 ? 1 : 2;
      z = 0.9 * z + Math.sqrt(1 - 0.81) * scale * rng.normal();
      const y = rng.next() < sigmoid(z) ? 1 : 0;
      const pc = sigmoid(z + noiseChampion * rng.normal());
      const pt = sigmoid(z + noiseChallenger * rng.normal());
      if (pairedAt === Infinity) {
        paired.push({ label: y, champion: pc, challenger: pt });
        if (t % LOOK_EVERY === 0) {
          const d = decidePairedComparison(paired.state({ withDieboldMariano: false }), 30);
          if (d !== 'continue') {
            pairedAt = t;
            pairedDecision = d;
          }
        }
      }
      if (splitAt === Infinity) {
        const arm = rng.next() < 0.5 ? 0 : 1;
        const p = arm === 0 ? pc : pt;
        const d = split.push(arm, -((p - y) ** 2), t);
        if (d) {
          splitAt = t;
          splitDecision = d;
        }
      }
    }
    return { pairedAt, pairedDecision, splitAt, splitDecision, dm: paired.state().dieboldMariano };
  };

  const aa = { paired: 0, split: 0 };
  const aaRuns = Math.max(50, Math.round(runs / 2));
  for (let r = 0; r < aaRuns; r++) {
    const res = simulate(5000 + r, 1, 1, 20_000);
    if (res.pairedDecision) aa.paired++;
    if (res.splitDecision) aa.split++;
  }
  const pairedBars: number[] = [];
  const splitBars: number[] = [];
  let pairedWins = 0;
  let splitWins = 0;
  for (let r = 0; r < runs; r++) {
    const res = simulate(9000 + r, 1, 0.6);
    pairedBars.push(res.pairedDecision === 'promote' ? res.pairedAt : maxBars);
    splitBars.push(res.splitDecision === 'promote' ? res.splitAt : maxBars);
    if (res.pairedDecision === 'promote') pairedWins++;
    if (res.splitDecision === 'promote') splitWins++;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mcMean = (xs: number[]) => {
    const m = mean(xs);
    return 1.96 * Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) / xs.length);
  };
  console.log(
    `\nPaired comparison on the same bars vs the unpaired split (Brier; AR(0.9) market log-odds with a volatility regime every 2,000 bars)`,
  );
  console.log(
    `  A/A (equal forecasters), ${aaRuns} runs up to 20,000 bars: false decisions paired ${rate(aa.paired, aaRuns)}, split ${rate(aa.split, aaRuns)}`,
  );
  console.log(
    `  real edge (challenger noise 0.6 vs 1.0), ${runs} runs, cap ${maxBars} bars: promoted paired ${rate(pairedWins, runs)}, split ${rate(splitWins, runs)}`,
  );
  const ratio = median(splitBars) / median(pairedBars);
  console.log(
    `  bars to decide: paired median ${median(pairedBars)}, mean ${mean(pairedBars).toFixed(0)} ± ${mcMean(pairedBars).toFixed(0)}; split median ${median(splitBars)}, mean ${mean(splitBars).toFixed(0)} ± ${mcMean(splitBars).toFixed(0)} (capped at the cap)`,
  );
  console.log(`  split / paired (medians): ${ratio.toFixed(1)}× (goal ≥ 3×)`);
}

/** The new split analysis fed one bar at a time (period = 20 bars), for the paired-vs-split table. */
function splitStream() {
  const runSplitExperimentOnStream = (policy: ExperimentPolicy) => {
    let queued: { arm: 0 | 1; value: number } | null = null;
    let decision: string | null = null;
    const process: Process = {
      metric: 'return',
      strategy: 'random',
      barsPerPeriod: 20,
      nextBar() {
        const q = queued;
        queued = null;
        return q ? [{ arm: q.arm, unit: freshUnit(), value: q.value }] : [];
      },
    };
    // A tiny pull-based adapter: the simulation loop asks for one bar at a time.
    const state = createIncrementalSplit(process, policy);
    return {
      push(arm: 0 | 1, value: number, t: number): string | null {
        queued = { arm, value };
        decision = state.step(t) ?? decision;
        return decision;
      },
    };
  };
  return { runSplitExperimentOnStream };
}

function createIncrementalSplit(process: Process, policy: ExperimentPolicy) {
  const arms = [0, 1].map(() => ({ n: 0, sum: 0, sumSq: 0 }));
  const periods: PeriodAggregates[] = [];
  let previous: Record<string, number> = {};
  let outcomes = 0;
  return {
    step(t: number): string | null {
      if ((t - 1) % process.barsPerPeriod === 0)
        periods.push({
          start: t,
          arms: {
            control: { labelled: 0, correct: 0, returnsN: 0, returnSum: 0 },
            treatment: { labelled: 0, correct: 0, returnsN: 0, returnSum: 0 },
          },
        });
      const p = periods[periods.length - 1]!;
      for (const o of process.nextBar(createRng(0), 0.5, t)) {
        const a = arms[o.arm]!;
        a.n++;
        a.sum += o.value;
        a.sumSq += o.value * o.value;
        const pa = p.arms[o.arm === 0 ? 'control' : 'treatment']!;
        pa.returnsN++;
        pa.returnSum += o.value;
        outcomes++;
      }
      if (t % LOOK_EVERY !== 0) return null;
      const data: ArmAggregates[] = arms.map((a, i) => ({
        variant: i === 0 ? 'control' : 'treatment',
        isControl: i === 0,
        weight: 0.5,
        assignments: a.n,
        labelled: 0,
        correct: 0,
        returnsN: a.n,
        returnSum: a.sum,
        returnSumSq: a.sumSq,
        maxDrawdown: 0,
      }));
      const analysis = analyseArms(data, policy, previous, outcomes, { strategy: 'random', periods });
      previous = Object.fromEntries(analysis.comparisons.map((c) => [c.variant, c.pValue]));
      const end = decideExperiment(analysis, policy, 0, Infinity);
      if (end?.kind === 'significant') return end.winner === 'control' ? 'reject' : 'promote';
      return null;
    },
  };
}

function driftRows(): void {
  console.log('');
  printDriftRows();
}

async function main(): Promise<void> {
  const started = Date.now();
  const only = process.env.DECISION_BENCH_ONLY?.split(',');
  const section = (name: string, f: () => void) => {
    if (only && !only.includes(name)) return;
    const t0 = Date.now();
    f();
    console.log(`  (${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  };
  section('aa', aaTable);
  section('power', powerTable);
  section('paired', pairedTable);
  if (!only || only.includes('drift')) driftRows();
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s; DECISION_BENCH_RUNS=${RUNS})`);
}

void main();
