import assert from 'node:assert/strict';
import { moveAlias } from '../../../src/db/repositories/alias.repository';
import { getVersion } from '../../../src/db/repositories/version.repository';
import type { ExperimentPolicyInput } from '../../../src/policies/experiment-policy';
import {
  changeAllocationUpdate,
  concludeExperimentUpdate,
  experimentStatusQuery,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
  stopExperimentUpdate,
  type experimentWorkflow,
} from '../../../src/workflows';
import type { WorkflowHandle } from '@temporalio/client';
import {
  aliasMovesBy,
  aliasVersions,
  alertsOf,
  createChallengerExperiment,
  experimentRow,
  feedArmOutcomes,
  seedExperimentModel,
  sleep,
  startExperimentWorkflow,
  updateRejection,
} from '../../support/experiment-fixtures';
import { startHarness, waitFor, type TemporalHarness } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/** Every timer shortened: one look a second, decisions from a few hundred outcomes per arm. */
const FAST: ExperimentPolicyInput = {
  analysisInterval: '1s',
  minSamplesPerVariant: 100,
  maxSamplesPerVariant: 600,
  maxDuration: '10m',
};

type ExperimentHandle = WorkflowHandle<typeof experimentWorkflow>;

describe('experimentWorkflow (real Temporal, real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let harness: TemporalHarness;
  const handles: ExperimentHandle[] = [];

  // Each scenario has its own model, so they run concurrently: `before` starts them all and each `it`
  // awaits (and reports) its own. The file then takes as long as its slowest scenario.
  const scenarios: Array<{ title: string; body: () => Promise<void> }> = [];
  const running = new Map<string, Promise<void>>();
  function scenario(title: string, body: () => Promise<void>) {
    scenarios.push({ title, body });
    it(title, () => running.get(title));
  }

  before(async function () {
    this.timeout(180_000);
    database = await createTestDatabase();
    harness = await startHarness(database);
    for (const { title, body } of scenarios) {
      const promise = body();
      promise.catch(() => undefined); // reported by its own `it`, not as an unhandled rejection
      running.set(title, promise);
    }
  });

  after(async function () {
    this.timeout(60_000);
    // A scenario that failed half-way leaves its workflow running on a task queue nobody will poll;
    // terminating it also ends any scenario still waiting for its result.
    for (const handle of handles) {
      const { status } = await handle.describe().catch(() => ({ status: { name: 'UNKNOWN' } }));
      if (status.name === 'RUNNING') await handle.terminate('test over').catch(() => undefined);
    }
    await Promise.allSettled([...running.values()]);
    await harness?.close();
    await database?.drop();
  });

  async function setUp(
    model: string,
    seed: number,
    policy: ExperimentPolicyInput,
    options: { coverage?: number; beforeStart?: (experimentId: string) => Promise<void> } = {},
  ) {
    await seedExperimentModel(database, model, seed);
    const experimentId = await createChallengerExperiment(database, model, policy, options);
    await options.beforeStart?.(experimentId);
    const handle = await startExperimentWorkflow(harness, experimentId);
    handles.push(handle);
    return { experimentId, handle };
  }

  const query = (handle: ExperimentHandle) => handle.query(experimentStatusQuery);

  /** Waits until the workflow has marked the experiment running and looked at it at least `looks` times. */
  const waitForLooks = (handle: ExperimentHandle, looks: number) =>
    waitFor(
      `${looks} look(s) at the experiment`,
      async () => {
        const view = await query(handle);
        return view.looks >= looks ? view : undefined;
      },
      30_000,
    );

  scenario(
    'an A/A experiment never promotes: it ends for futility at the sample cap and keeps the champion',
    async () => {
      const model = 'exp-aa';
      const { experimentId, handle } = await setUp(model, 1, FAST);
      await waitForLooks(handle, 1);
      await feedArmOutcomes(
        database,
        experimentId,
        { control: { accuracy: 0.55 }, challenger: { accuracy: 0.55 } },
        600,
        1,
      );

      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.winner, undefined);
      assert.equal(result.promotedVersion, undefined);
      assert.match(result.reason, /^no significant difference after 600 outcomes per arm$/);
      assert.deepEqual(
        result.analysis?.arms.map((a) => a.n),
        [600, 600],
      );
      assert.ok(
        result.analysis!.comparisons[0]!.pValue >= 0.05,
        `an A/A p-value stays above alpha, got ${result.analysis!.comparisons[0]!.pValue}`,
      );

      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'completed');
      assert.equal(row.winner_variant, null);
      assert.equal(row.completion_reason, result.reason);
      assert.ok(row.ended_at, 'the end time is stored');
      assert.deepEqual(await aliasVersions(database, model), [
        ['challenger', 2],
        ['champion', 1],
      ]);
      assert.deepEqual(await aliasMovesBy(database, experimentId), [], 'the experiment moved no alias');
      assert.deepEqual(await alertsOf(database, experimentId), []);
    },
  );

  scenario(
    'a clearly better challenger is promoted automatically: champion moves to v2 and the challenger alias is cleared',
    async () => {
      const model = 'exp-auto';
      const { experimentId, handle } = await setUp(model, 2, FAST);
      await waitForLooks(handle, 1);
      await feedArmOutcomes(
        database,
        experimentId,
        { control: { accuracy: 0.5 }, challenger: { accuracy: 0.66 } },
        600,
        2,
      );

      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.winner, 'challenger');
      assert.equal(result.promotedVersion, 2);
      // No shadow scores in this test: the default paired comparison falls back to the split, per unit.
      assert.match(
        result.reason,
        /^challenger beats control by 0\.\d+ \(always-valid p = .+ < 0\.05, per unit\) \(split: no shadow-scored bars yet\)$/,
      );

      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'completed');
      assert.equal(row.winner_variant, 'challenger');
      assert.ok(row.results, 'the final analysis is stored');
      assert.deepEqual(await aliasVersions(database, model), [['champion', 2]]);
      assert.equal((await getVersion(database.db, model, 2)).stage, 'production');
      assert.equal((await getVersion(database.db, model, 1)).stage, 'archived');
      assert.deepEqual(
        (await aliasMovesBy(database, experimentId)).map((m) => [m.alias, m.version]),
        [
          ['champion', 2],
          ['challenger', null],
        ],
      );
      const history = await handle.describe();
      assert.equal(history.status.name, 'COMPLETED');
    },
  );

  scenario(
    'a winner whose champion was moved meanwhile is not promoted: nothing to undo, the end says why, an alert is raised',
    async () => {
      const model = 'exp-conflict';
      const { experimentId, handle } = await setUp(model, 2, FAST);
      await waitForLooks(handle, 1);
      // An operator takes champion away from the control's version during the experiment.
      await moveAlias(database.db, {
        model,
        alias: 'champion',
        version: null,
        changedBy: 'operator',
        reason: 'manual',
      });
      await feedArmOutcomes(
        database,
        experimentId,
        { control: { accuracy: 0.5 }, challenger: { accuracy: 0.66 } },
        600,
        2,
      );

      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.winner, 'challenger');
      assert.equal(result.promotedVersion, undefined);
      assert.match(
        result.reason,
        /; not promoted: champion was moved by someone else during the experiment$/,
      );
      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'completed');
      assert.equal(row.completion_reason, result.reason);
      assert.deepEqual(await aliasVersions(database, model), [['challenger', 2]]);
      assert.deepEqual(await aliasMovesBy(database, experimentId), [], 'no move and no compensation');
      assert.deepEqual(
        (await alertsOf(database, experimentId)).map((a) => [a.kind, a.severity]),
        [['promotion_conflict', 'warning']],
      );
    },
  );

  scenario(
    'with autoPromote off a winning challenger completes the experiment but is not promoted',
    async () => {
      const model = 'exp-manual';
      const { experimentId, handle } = await setUp(model, 3, { ...FAST, autoPromote: false });
      await waitForLooks(handle, 1);
      await feedArmOutcomes(
        database,
        experimentId,
        { control: { accuracy: 0.5 }, challenger: { accuracy: 0.66 } },
        600,
        2,
      );

      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.winner, 'challenger');
      assert.equal(result.promotedVersion, undefined);

      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'completed');
      assert.equal(row.winner_variant, 'challenger');
      assert.deepEqual(await aliasVersions(database, model), [
        ['challenger', 2],
        ['champion', 1],
      ]);
      assert.deepEqual(await aliasMovesBy(database, experimentId), [], 'the experiment moved no alias');
      assert.equal((await getVersion(database.db, model, 1)).stage, 'production');
    },
  );

  scenario(
    'a sample-ratio mismatch holds the experiment with a critical alert, and stop then ends it without promotion',
    async () => {
      const model = 'exp-srm';
      const { experimentId, handle } = await setUp(model, 4, FAST);
      await waitForLooks(handle, 1);
      // 50/50 weights, but the router sent 3,000 units to control and 1,200 to the challenger.
      await feedArmOutcomes(
        database,
        experimentId,
        { control: { accuracy: 0.55, assignments: 3000 }, challenger: { accuracy: 0.55, assignments: 1200 } },
        300,
        4,
      );

      const held = await waitFor(
        'the experiment to be held',
        async () => {
          const view = await query(handle);
          return view.state === 'held' ? view : undefined;
        },
        30_000,
      );
      assert.equal(held.end, undefined);
      assert.ok(held.analysis?.srm.mismatch, 'the analysis that held it shows the mismatch');
      assert.deepEqual(
        held.analysis?.arms.map((a) => a.assignments),
        [3000, 1200],
      );
      // The workflow holds first, then records it: the row follows within an activity's time.
      await waitFor(
        'the row to show the hold',
        async () => ((await experimentRow(database, experimentId)).status === 'paused' ? true : undefined),
        10_000,
      );
      const alerts = await waitFor('the SRM alert', async () => {
        const rows = await alertsOf(database, experimentId);
        return rows.length > 0 ? rows : undefined;
      });
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.kind, 'sample_ratio_mismatch');
      assert.equal(alerts[0]!.severity, 'critical');
      assert.match(alerts[0]!.message, /held — sample ratio mismatch/);

      // Held means held: no further looks while an operator investigates.
      await sleep(2500);
      const later = await query(handle);
      assert.equal(later.state, 'held');
      assert.equal(later.looks, held.looks, 'no analysis runs while the experiment is held');

      const stopped = await handle.executeUpdate(stopExperimentUpdate, {
        args: [{ reason: 'router misconfigured' }],
      });
      assert.equal(stopped.state, 'done');
      assert.deepEqual(stopped.end, { kind: 'stopped', reason: 'router misconfigured' });
      const result = await handle.result();
      assert.equal(result.status, 'stopped');
      assert.equal(result.winner, undefined);
      assert.equal(result.promotedVersion, undefined);

      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'stopped');
      assert.equal(row.winner_variant, null);
      assert.equal(row.completion_reason, 'router misconfigured');
      assert.deepEqual(await aliasVersions(database, model), [
        ['challenger', 2],
        ['champion', 1],
      ]);
      assert.deepEqual(await aliasMovesBy(database, experimentId), []);
      assert.equal((await alertsOf(database, experimentId)).length, 1, 'one alert for one hold');
    },
  );

  scenario(
    'a guardrail breach stops the experiment at once with a critical alert and keeps the champion',
    async () => {
      const model = 'exp-guard';
      // The minimum sample is far above what is fed: a guardrail does not wait for it.
      const { experimentId, handle } = await setUp(model, 5, {
        ...FAST,
        minSamplesPerVariant: 1000,
        maxSamplesPerVariant: 5000,
        guardrails: { maxLoss: 0.5 },
      });
      await waitForLooks(handle, 1);
      await feedArmOutcomes(
        database,
        experimentId,
        { control: { accuracy: 0.55 }, challenger: { accuracy: 0.55, meanReturn: -0.01 } },
        300,
        5,
      );

      const result = await handle.result();
      assert.equal(result.status, 'stopped');
      assert.equal(result.winner, undefined);
      assert.equal(result.promotedVersion, undefined);
      // Loss is compared with control over the same outcomes, behind a sequential harm test.
      assert.match(
        result.reason,
        /^guardrail breached: challenger lost \d+\.\d{4} more than control over the same \d+ outcomes \(> 0\.5\)$/,
      );
      assert.deepEqual(
        result.analysis?.arms.map((a) => a.n),
        [300, 300],
        'stopped on the first look that saw the losses',
      );

      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'stopped');
      assert.equal(row.winner_variant, null);
      assert.equal(row.completion_reason, result.reason);
      const alerts = await alertsOf(database, experimentId);
      assert.deepEqual(
        alerts.map((a) => [a.kind, a.severity]),
        [['guardrail_breach', 'critical']],
      );
      assert.match(alerts[0]!.message, /experiment stopped and rolled back to control — guardrail breached/);
      assert.deepEqual(await aliasVersions(database, model), [
        ['challenger', 2],
        ['champion', 1],
      ]);
      assert.deepEqual(await aliasMovesBy(database, experimentId), []);
    },
  );

  scenario(
    'operators pause (no looks), resume, ramp allocation up but not down, and conclude only with a real variant',
    async () => {
      const model = 'exp-ops';
      const { experimentId, handle } = await setUp(model, 6, FAST, { coverage: 0.5 });
      await waitForLooks(handle, 1);

      // Pause: the row says paused and the analysis stops.
      const paused = await handle.executeUpdate(pauseExperimentUpdate, {
        args: [{ reason: 'market holiday' }],
      });
      assert.equal(paused.state, 'paused');
      let row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'paused');
      assert.equal(row.completion_reason, 'market holiday');
      await sleep(1200); // a look already in flight when the pause arrived may still land
      const pausedLooks = (await query(handle)).looks;
      assert.ok(
        pausedLooks <= paused.looks + 1,
        `at most the in-flight look lands after the pause (${paused.looks} → ${pausedLooks})`,
      );
      await sleep(3000); // three analysis intervals
      const stillPaused = await query(handle);
      assert.equal(stillPaused.state, 'paused');
      assert.equal(stillPaused.looks, pausedLooks, 'no look while paused');

      // Resume: running again, and looking again.
      const resumed = await handle.executeUpdate(resumeExperimentUpdate);
      assert.equal(resumed.state, 'running');
      assert.equal((await experimentRow(database, experimentId)).status, 'running');
      await waitForLooks(handle, pausedLooks + 2);

      // Allocation only ramps up.
      const lower = await updateRejection(
        handle.executeUpdate(changeAllocationUpdate, { args: [{ coverage: 0.3 }] }),
      );
      assert.equal(lower, 'allocation can only ramp up: coverage 0.3 is below the current 0.5');
      assert.equal((await experimentRow(database, experimentId)).coverage, 0.5);
      const invalid = await updateRejection(
        handle.executeUpdate(changeAllocationUpdate, { args: [{ coverage: 1.5 }] }),
      );
      assert.equal(invalid, 'coverage must be a number in (0, 1], got 1.5');
      const raised = await handle.executeUpdate(changeAllocationUpdate, { args: [{ coverage: 0.8 }] });
      assert.equal(raised.coverage, 0.8);
      assert.equal((await experimentRow(database, experimentId)).coverage, 0.8);

      // Conclude names a variant of this experiment.
      const nope = await updateRejection(
        handle.executeUpdate(concludeExperimentUpdate, { args: [{ winner: 'nope' }] }),
      );
      assert.equal(nope, 'winner must be one of control, challenger, got "nope"');
      assert.equal((await query(handle)).state, 'running', 'a rejected update leaves the experiment running');

      const concluded = await handle.executeUpdate(concludeExperimentUpdate, {
        args: [{ winner: 'challenger', reason: 'desk sign-off' }],
      });
      assert.equal(concluded.state, 'done');
      assert.deepEqual(concluded.end, { kind: 'concluded', winner: 'challenger', reason: 'desk sign-off' });
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.winner, 'challenger');
      assert.equal(result.promotedVersion, 2);

      row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'completed');
      assert.equal(row.winner_variant, 'challenger');
      assert.equal(row.completion_reason, 'desk sign-off');
      assert.deepEqual(await aliasVersions(database, model), [['champion', 2]]);

      // A finished experiment refuses further operator updates.
      const late = await updateRejection(handle.executeUpdate(pauseExperimentUpdate, { args: [{}] })).catch(
        (e: Error) => e.message,
      );
      assert.match(late, /workflow execution already completed/);
    },
  );

  scenario(
    'a held experiment nobody resumes ends for futility once held past its maximum duration',
    async () => {
      const model = 'exp-held-timeout';
      // The skewed traffic is there before the workflow starts, so its first look (after 1 s) holds it,
      // well before the 5 s deadline.
      const { experimentId, handle } = await setUp(
        model,
        8,
        { ...FAST, maxDuration: '5s' },
        {
          beforeStart: (id) =>
            feedArmOutcomes(
              database,
              id,
              {
                control: { accuracy: 0.55, assignments: 3000 },
                challenger: { accuracy: 0.55, assignments: 1200 },
              },
              300,
              8,
            ),
        },
      );
      const held = await waitFor(
        'the experiment to be held',
        async () => {
          const view = await query(handle);
          return view.state === 'held' ? view : undefined;
        },
        30_000,
      );
      const { started_at } = await experimentRow(database, experimentId);
      assert.ok(
        started_at && held.analysis!.analysedAt - started_at.getTime() < 5000,
        'held before its deadline',
      );

      // When the deadline passes while it is still held, the workflow ends it ('held past the maximum
      // duration'). Allow the deadline plus generous slack.
      const result = await Promise.race([handle.result(), sleep(15_000).then(() => undefined)]);
      const view = await query(handle);
      assert.ok(
        result,
        `still ${view.state} 15 s after being held with maxDuration 5s (looks ${view.looks}): the hold never times out`,
      );
      assert.equal(result.status, 'completed');
      assert.equal(result.reason, 'held past the maximum duration (5s)');
      assert.equal(result.winner, undefined);
      assert.equal(result.promotedVersion, undefined);
      const row = await experimentRow(database, experimentId);
      assert.equal(row.status, 'completed');
      assert.equal(row.winner_variant, null);
      assert.deepEqual(await aliasVersions(database, model), [
        ['challenger', 2],
        ['champion', 1],
      ]);
    },
  );

  scenario('an experiment without outcomes ends for futility at its maximum duration', async () => {
    const model = 'exp-duration';
    const startedAt = Date.now();
    const { experimentId, handle } = await setUp(model, 7, { ...FAST, maxDuration: '3s' });

    const result = await handle.result();
    const elapsed = Date.now() - startedAt;
    assert.equal(result.status, 'completed');
    assert.equal(result.winner, undefined);
    assert.equal(result.promotedVersion, undefined);
    assert.equal(result.reason, 'no significant difference within the maximum duration (3s)');
    assert.deepEqual(
      result.analysis?.arms.map((a) => a.n),
      [0, 0],
    );

    const row = await experimentRow(database, experimentId);
    assert.equal(row.status, 'completed');
    assert.equal(row.winner_variant, null);
    assert.ok(row.started_at && row.ended_at, 'start and end are stored');
    const ranMs = row.ended_at.getTime() - row.started_at.getTime();
    assert.ok(
      ranMs >= 3000 && ranMs < 10_000,
      `ran about its maximum duration, took ${ranMs} ms (test ${elapsed} ms)`,
    );
    assert.deepEqual(await aliasVersions(database, model), [
      ['challenger', 2],
      ['champion', 1],
    ]);
  });
});
