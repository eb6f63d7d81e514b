// Drift false alarms, retraining requests per 30 days and time to flag a 2.5× volatility shift on
// synthetic markets, and the performance trigger's false alarm, old code beside new in one run.
// Run: npx ts-node bench/drift-validity.bench.ts   (DRIFT_BENCH_SIZE=full for the long run;
// DRIFT_BENCH_RUNS, DRIFT_BENCH_DAYS, DRIFT_BENCH_SHIFT_RUNS, DRIFT_BENCH_PERF_REPS, DRIFT_BENCH_SEED).
import { printDriftRows } from './support/drift-validity';

printDriftRows();
