// The long chaos run of the whole loop (test/integration/chaos/chaos-loop.test.ts is its short CI
// version). Run: npx ts-node bench/chaos.bench.ts
//
// Environment (all optional):
// - CHAOS_RUNS         loops to run (default 10)
// - CHAOS_RUN_SECONDS  fault window of one run (default 60)
// - CHAOS_FAULT_GAP_MS mean time between two faults (default 4000)
// - CHAOS_SEED         seed of the markets and of the fault schedule (default 1)
// - CHAOS_MAX_MINUTES  no run starts after this many minutes (default 60); the run in progress ends
//                      its fault window, settles (at most the experiments' 30 s maximum duration plus
//                      60 s) and is checked, so the bench stops by itself within about
//                      CHAOS_MAX_MINUTES + CHAOS_RUN_SECONDS + 3 minutes.
//
// Prints the table `runs | faults injected | invariant violations` and exits 1 on any violation.

import { installTemporalRuntime } from '../src/workers/runtime';
import { runChaos } from '../test/support/chaos/chaos-run';

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  installTemporalRuntime('WARN');
  const started = Date.now();
  const maxMinutes = integer('CHAOS_MAX_MINUTES', 60);
  const report = await runChaos({
    seed: integer('CHAOS_SEED', 1),
    runs: integer('CHAOS_RUNS', 10),
    runMs: integer('CHAOS_RUN_SECONDS', 60) * 1000,
    meanFaultGapMs: integer('CHAOS_FAULT_GAP_MS', 4000),
    deadline: started + maxMinutes * 60_000,
    log: (line) => console.log(line),
  });
  console.log(`\n${report.table}`);
  console.log(
    `processes that exited by themselves (restarted): ${report.unplannedExits.join(', ') || 'none'}`,
  );
  console.log(`elapsed: ${Math.round((Date.now() - started) / 1000)} s`);
  for (const run of report.runs)
    for (const violation of run.violations)
      console.log(`violation, run ${run.run} (${run.model}): ${violation}`);
  process.exit(report.runs.some((r) => r.violations.length) ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(2);
});
