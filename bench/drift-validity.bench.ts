// Drift false alarms, retraining requests per 30 days and time to flag a 2.5× volatility shift on
// synthetic markets, and the performance trigger's false alarm, old code beside new in one run.
// Run: npx ts-node bench/drift-validity.bench.ts   (DRIFT_BENCH_SIZE=full for the long run;
// DRIFT_BENCH_RUNS, DRIFT_BENCH_DAYS, DRIFT_BENCH_SHIFT_RUNS, DRIFT_BENCH_PERF_REPS, DRIFT_BENCH_SEED).
import {
  driftFalseAlarmRows,
  driftShiftRows,
  driftValidityOptionsFromEnv,
  performanceMonitoringRows,
  performanceTriggerRows,
} from './support/drift-validity';

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

function main(): void {
  const started = Date.now();
  const options = driftValidityOptionsFromEnv();
  console.log(
    `Drift validity: ${options.runs} runs × ${options.days} days per market, hourly checks (every 60 rows) of a 1,440-row window, reference 2,000 rows; ±: 1.96·SE over runs`,
  );
  console.log('market          detector  P(drifted)/check        requests/30 days');
  for (const r of driftFalseAlarmRows(options)) {
    console.log(
      `${r.market.padEnd(15)} ${r.detector.padEnd(9)} ${f(r.driftedPerCheck).padStart(6)} ± ${f(r.driftedPerCheckMc).padEnd(10)} ${f(r.requestsPer30Days, 2).padStart(6)} ± ${f(r.requestsPer30DaysMc, 2)}`,
    );
  }
  console.log(
    `\n2.5× volatility shift, ${options.shiftRuns} runs (bars after the shift; checks every 60 bars)`,
  );
  console.log(
    'market          detector  drifted check ≤ 48 bars   median bars to drifted check / to request   requested   drifted just before',
  );
  for (const r of driftShiftRows(options)) {
    console.log(
      `${r.market.padEnd(15)} ${r.detector.padEnd(9)} ${f(r.flaggedWithin48, 2).padStart(5)} ± ${f(r.flaggedWithin48Mc, 2).padEnd(16)} ${String(r.medianBarsToDriftedCheck ?? 'never').padStart(6)} / ${String(r.medianBarsToRequest ?? 'never').padEnd(31)} ${String(r.requested).padStart(3)}/${r.runs}      ${r.driftedBeforeShift}/${r.runs}`,
    );
  }
  console.log('\nPerformance trigger, no change, α = 0.01, holdout 400 rows (± 1.96·SE)');
  console.log('live rows   old (p₀ exact)   new (two-sample, per bar)');
  for (const r of performanceTriggerRows(options)) {
    console.log(
      `${String(r.liveRows).padStart(9)}   ${f(r.old).padStart(8)}         ${f(r.new).padStart(8)}   ± ${f(r.mc)} (${r.reps} reps)`,
    );
  }
  console.log(
    '\nPerformance monitoring, no change, 30 days of hourly looks (1-minute bars, one outcome each)',
  );
  for (const r of performanceMonitoringRows(options)) {
    console.log(
      `  ${r.test.padEnd(28)} P(false alarm in 30 days) ${f(r.falseAlarmIn30Days)} ± ${f(r.mc)} (${r.reps} reps)`,
    );
  }
  console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
