// The lifecycle backtest end to end in process (issue 18): 20 years of daily bars (5,000 bars)
// with a drift check every bar, and 5 years of hourly bars (44,000 bars) with a check every hour,
// each with the policy and the `never` and `every:30d` baselines, logreg.
//
// Goals: daily ≤ 2 minutes, hourly ≤ 10 minutes on this machine, end to end (features, every walk,
// the fresh reference, the summaries).
// Baseline in the same run, on the same bars: the training alone — one training on the run's
// window timed here, times the number of models the run trained (candidates of every strategy and
// the fresh reference, each window trained once however many strategies asked for it) — so that
// the ratio says how much of the run is something other than training.
//
// Run: npx ts-node bench/backtest.bench.ts
// Env: BENCH_SCENARIOS (default "daily,hourly"), BENCH_TRAINER (default logreg).

import { performance } from 'node:perf_hooks';
import { prepareBacktest, runStrategy, assembleReport } from '../src/lifecycle/backtest/run-backtest';
import { windowTrainingData } from '../src/lifecycle/backtest/backtest-market';
import { modelKindFor } from '../src/lifecycle/model-pipeline';
import { generateSyntheticMarket, trainModel } from '../src/ml';

const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'daily,hourly').split(',');
const TRAINER = (process.env.BENCH_TRAINER ?? 'logreg') as 'logreg' | 'gbdt';

const setups = {
  daily: { bars: 5_000, minutes: 1440, timeframe: '1d', goalMs: 120_000 },
  hourly: { bars: 44_000, minutes: 60, timeframe: '1h', goalMs: 600_000 },
} as const;

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const name of SCENARIOS) {
    const setup = setups[name as keyof typeof setups];
    if (!setup) throw new Error(`unknown scenario ${name}`);
    // Regime switches about once a year of bars, so that drift and retraining actually happen.
    const { bars } = generateSyntheticMarket({
      seed: 18,
      bars: setup.bars,
      intervalMinutes: setup.minutes,
      switchProbability: 1 / 365,
      start: '2005-01-01T00:00:00.000Z',
    });
    const started = performance.now();
    const prepared = await prepareBacktest(bars, {
      symbol: 'SYN',
      timeframe: setup.timeframe,
      trainer: TRAINER,
      baselines: ['never', 'every:30d'],
    });
    const reports = prepared.strategies.map((_, i) => runStrategy(prepared, i));
    const report = assembleReport(prepared, reports);
    const totalMs = performance.now() - started;

    // Baseline: one training on a full window, as the run trains them, timed five times.
    const kind = modelKindFor(TRAINER, 'prob_up');
    const windowBars = prepared.policy.retrain.windowBars;
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const last = prepared.ctx.startBar + k * 97;
      const data = windowTrainingData(prepared.market, Math.max(0, last - windowBars + 1), last);
      const t0 = performance.now();
      trainModel({ kind, x: data.train.x, y: data.train.y, featureSchema: data.train.schema });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const oneTraining = times[2]!;
    const trainings = prepared.ctx.trained.size + 1;
    const trainingMs = trainings * oneTraining;
    rows.push([
      name,
      String(setup.bars),
      String(report.traded.bars),
      report.strategies.map((s) => `${s.name}:${s.counts.retrainingsStarted}`).join(' '),
      String(report.strategies[0]!.drift!.checks),
      String(trainings),
      (totalMs / 1000).toFixed(1),
      (trainingMs / 1000).toFixed(1),
      (totalMs / trainingMs).toFixed(2),
      `${(setup.goalMs / 1000).toFixed(0)} s ${totalMs <= setup.goalMs ? 'met' : 'MISSED'}`,
    ]);
    console.log(
      `${name}: ${(totalMs / 1000).toFixed(1)} s; ` +
        report.strategies
          .map(
            (s) =>
              `${s.name} pnl ${s.overall.cumulativePnl.toFixed(3)} sharpe ${s.overall.sharpe?.toFixed(2)} promotions ${s.counts.promotions}`,
          )
          .join('; '),
    );
  }
  const header = [
    'scenario',
    'bars',
    'traded',
    'retrainings',
    'drift checks',
    'models trained',
    'total s',
    'training-only s',
    'total / training',
    'goal',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
