import assert from 'node:assert/strict';
import { runChaos } from '../../support/chaos/chaos-run';

/**
 * The short, seeded chaos run of the whole loop (drift → retrain → gate → experiment → promote or
 * reject) on a stack of its own: kill -9 of the worker, the router, PostgreSQL and the Temporal dev
 * server, and operator actions, at seeded random moments; the invariants after every run. The long
 * variant is bench/chaos.bench.ts.
 */
describe('chaos run of the whole loop (own PostgreSQL, Temporal, worker and router processes)', function () {
  // Two runs of 35 s of faults, their settling and checks, and the stack's start; bounded by `deadline`.
  this.timeout(330_000);

  it('keeps every invariant under seeded faults', async () => {
    const started = Date.now();
    const report = await runChaos({
      seed: 11,
      runs: 2,
      runMs: 35_000,
      meanFaultGapMs: 4_000,
      deadline: started + 150_000,
      log: (line) => console.log(`      ${line}`),
    });
    console.log(`\n${report.table}\n      (${Math.round((Date.now() - started) / 1000)} s)`);
    assert.ok(report.runs.length >= 1, 'at least one run');
    assert.ok(
      report.runs.every((r) => r.faults.length > 0),
      'every run injected faults',
    );
    assert.deepEqual(
      report.runs.flatMap((r) => r.violations.map((v) => `run ${r.run}: ${v}`)),
      [],
    );
  });
});
