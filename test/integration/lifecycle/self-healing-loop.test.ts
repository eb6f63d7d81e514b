import assert from 'node:assert/strict';
import { getAliases } from '../../../src/db/repositories/alias.repository';
import { getVersion } from '../../../src/db/repositories/version.repository';
import { workflowIds } from '../../../src/temporal/shared';
import type { SupervisorPolicyInput } from '../../../src/policies/supervisor-policy';
import { modelSupervisorWorkflow, supervisorStatusQuery } from '../../../src/workflows';
import {
  insertLivePredictions,
  seedChampion,
  simulateArmOutcomes,
  startHarness,
  waitFor,
  type TemporalHarness,
} from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/** Every duration shortened so that the whole loop takes seconds. */
const FAST_POLICY: SupervisorPolicyInput = {
  driftCheckInterval: '1s',
  driftWindow: '1h',
  minDriftSamples: 100,
  hysteresis: { breaches: 1, window: 1 },
  cooldown: '1s',
  retrain: { trainer: 'logreg', windowBars: 1000 },
  challengerTraffic: 0.5,
  experiment: {
    analysisInterval: '1s',
    minSamplesPerVariant: 200,
    maxSamplesPerVariant: 20_000,
    // The simulated arms differ by 16 points of accuracy: τ² is planned for an effect of that size
    // (the default plans for 2 points, which 600 outcomes per arm cannot resolve).
    minimumDetectableEffect: 0.1,
    maxDuration: '10m',
  },
};

// A market that trends for 2,000 bars, then mean-reverts with 2.5× the volatility: the champion's
// momentum features turn against it (concept drift) and their distributions move (data drift).
const SHIFTED_MARKET = {
  seed: 3,
  bars: 3200,
  trainBars: 2000,
  shift: { atBar: 2000, regime: 'mean-reverting' as const, volatilityMultiplier: 2.5 },
};

describe('the self-healing loop (real Temporal, real Postgres)', function () {
  this.timeout(240_000);
  let database: TestDatabase;
  let harness: TemporalHarness;

  before(async () => {
    database = await createTestDatabase();
    harness = await startHarness(database);
  });
  after(async () => {
    await harness?.close();
    await database?.drop();
  });

  async function runLoopUntilExperiment(model: string) {
    const seeded = await seedChampion(database, { model, ...SHIFTED_MARKET });
    await insertLivePredictions(
      database,
      model,
      seeded.championVersionId,
      seeded.bars.slice(SHIFTED_MARKET.trainBars - 30),
    );
    await harness.client.workflow.start(modelSupervisorWorkflow, {
      workflowId: workflowIds.supervisor(model),
      taskQueue: harness.taskQueue,
      args: [{ model, policy: FAST_POLICY }],
    });
    const experiment = await waitFor(
      'the challenger experiment to start',
      async () =>
        database.db
          .selectFrom('experiments')
          .innerJoin('models', 'models.model_id', 'experiments.model_id')
          .select(['experiments.experiment_id', 'experiments.status'])
          .where('models.name', '=', model)
          .where('experiments.status', '=', 'running')
          .executeTakeFirst(),
      120_000,
    ).catch(async (error) => {
      // Say where the loop stopped: the supervisor's decisions and the job row.
      const status = await harness.client.workflow
        .getHandle(workflowIds.supervisor(model))
        .query(supervisorStatusQuery)
        .catch((e) => String(e));
      throw new Error(
        `${(error as Error).message}\nsupervisor: ${JSON.stringify(typeof status === 'string' ? status : { decisions: status.decisions, lastOutcome: status.lastOutcome }, null, 1)}\njob: ${JSON.stringify(await job(model))}`,
      );
    });
    return { seeded, experimentId: experiment.experiment_id };
  }

  const job = (model: string) =>
    database.db
      .selectFrom('retraining_jobs')
      .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
      .selectAll('retraining_jobs')
      .where('models.name', '=', model)
      .executeTakeFirst();

  it('detects drift, retrains, validates, experiments and promotes a better challenger', async () => {
    const model = 'loop-up';
    const { experimentId } = await runLoopUntilExperiment(model);

    const drift = await database.db
      .selectFrom('drift_detection_events')
      .selectAll()
      .where('metric_name', '=', 'dataset')
      .where('is_significant', '=', true)
      .executeTakeFirst();
    assert.ok(drift, 'a significant dataset-level drift event was stored');
    const started = await job(model);
    assert.equal(started?.trigger, 'drift');
    assert.match(started!.reason, /^drift in 1 of the last 1 disjoint windows/);

    await simulateArmOutcomes(
      database,
      experimentId,
      { control: { accuracy: 0.5 }, challenger: { accuracy: 0.66 } },
      600,
      11,
    );
    const finished = await waitFor('the retraining job to finish', async () => {
      const row = await job(model);
      return row && ['completed', 'rejected', 'failed'].includes(row.status) ? row : undefined;
    });
    assert.equal(finished.status, 'completed', finished.error_message ?? '');
    const aliases = await getAliases(database.db, model);
    assert.deepEqual(
      aliases.map((a) => [a.alias, a.version]),
      [['champion', 2]],
    );
    assert.equal((await getVersion(database.db, model, 2)).stage, 'production');
    assert.equal((await getVersion(database.db, model, 1)).stage, 'archived');
    const experiment = await database.db
      .selectFrom('experiments')
      .selectAll()
      .where('experiment_id', '=', experimentId)
      .executeTakeFirstOrThrow();
    assert.equal(experiment.status, 'completed');
    assert.equal(experiment.winner_variant, 'challenger');
    assert.ok(finished.performance_comparison, 'the validation comparison is stored on the job');

    const status = await waitFor('the supervisor to hear of the promotion', async () => {
      const s = await harness.client.workflow
        .getHandle(workflowIds.supervisor(model))
        .query(supervisorStatusQuery);
      return s.lastOutcome ? s : undefined;
    });
    assert.equal(status.lastOutcome?.status, 'completed');
    assert.equal(status.lastOutcome?.promotedVersion, 2);
    assert.equal(status.running, null);

    // Operators filter the UI by these search attributes. TRIGGER is an SQL keyword to the visibility
    // parser, so the name goes in backquotes.
    const listed = await waitFor('visibility to list the drift retraining', async () => {
      const found = [];
      for await (const wf of harness.client.workflow.list({
        query: `ModelName = "${model}" AND \`Trigger\` = "drift"`,
      }))
        found.push(wf.workflowId);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(listed, [workflowIds.retraining(model, 1)]);
    await harness.client.workflow.getHandle(workflowIds.supervisor(model)).terminate('test done');
  });

  it('rejects a challenger that loses its experiment and keeps the champion', async () => {
    const model = 'loop-down';
    const { experimentId } = await runLoopUntilExperiment(model);
    await simulateArmOutcomes(
      database,
      experimentId,
      { control: { accuracy: 0.66 }, challenger: { accuracy: 0.48 } },
      600,
      12,
    );
    const finished = await waitFor('the retraining job to finish', async () => {
      const row = await job(model);
      return row && ['completed', 'rejected', 'failed'].includes(row.status) ? row : undefined;
    });
    assert.equal(finished.status, 'rejected');
    assert.match(finished.error_message ?? '', /every treatment is significantly worse than control/);
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => [a.alias, a.version]),
      [['champion', 1]],
    );
    assert.equal((await getVersion(database.db, model, 2)).stage, 'archived');
    const alert = await database.db
      .selectFrom('alerts')
      .selectAll()
      .where('kind', '=', 'challenger_not_promoted')
      .where('experiment_id', '=', experimentId)
      .executeTakeFirst();
    assert.ok(alert, 'an alert says why the challenger was not promoted');
    await harness.client.workflow.getHandle(workflowIds.supervisor(model)).terminate('test done');
  });
});
