import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { getAliases } from '../../../src/db/repositories/alias.repository';
import { createExperiment } from '../../../src/db/repositories/experiment.repository';
import { getModel } from '../../../src/db/repositories/model.repository';
import {
  insertPendingJob,
  linkJobExperiment,
  setJobNewVersion,
} from '../../../src/db/repositories/retraining-job.repository';
import { loadRoutingConfigRows } from '../../../src/db/repositories/routing-config.repository';
import { workflowIds } from '../../../src/temporal/shared';
import {
  concludeExperimentUpdate,
  experimentStatusQuery,
  pauseExperimentUpdate,
  retrainingWorkflow,
  stopExperimentUpdate,
} from '../../../src/workflows';
import { experimentRow, seedExperimentModel } from '../../support/experiment-fixtures';
import { seedChampion, startHarness, waitFor, type TemporalHarness } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import { completedWorkflowTasks, resetWorkflow } from '../../support/workflow-reset';

/** A market whose regime changes after the champion's training window: the candidate passes its gate. */
const SHIFTED_MARKET = {
  seed: 3,
  bars: 3200,
  trainBars: 2000,
  shift: { atBar: 2000, regime: 'mean-reverting' as const, volatilityMultiplier: 2.5 },
};

/**
 * A retraining job and its experiment child under operator actions (issue 15):
 * - `temporal workflow cancel --workflow-id retrain:<m>:<n>` during the experiment (defect 3): the
 *   child is cancelled with it and must store itself as stopped, so that routers stop splitting and
 *   the model can have its next experiment;
 * - a reset of a finished job (defect 11): the replayed job must not start its experiment again,
 *   and concludes from the one that ran;
 * - a reset to the job's first workflow task while its experiment is paused (found by the chaos
 *   run): the new run must conclude from that experiment, and the challenger must not outlive it.
 */
describe('a retraining job and its experiment child (real Temporal, real Postgres)', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let harness: TemporalHarness;

  before(async function () {
    this.timeout(180_000);
    database = await createTestDatabase();
    harness = await startHarness(database);
  });
  after(async function () {
    this.timeout(60_000);
    await harness?.close();
    await database?.drop();
  });

  async function startJob(model: string, experiment: Record<string, unknown>) {
    return harness.client.workflow.start(retrainingWorkflow, {
      workflowId: workflowIds.retraining(model, 1),
      taskQueue: harness.taskQueue,
      args: [
        {
          model,
          jobNumber: 1,
          trigger: 'manual',
          reason: 'experiment child test',
          requestedBy: 'test',
          trainer: 'logreg',
          windowBars: 1000,
          experiment: { analysisInterval: '1s', minSamplesPerVariant: 100, ...experiment },
        },
      ],
    });
  }

  /** The job's experiment once it runs and has looked at its data at least once. */
  async function runningExperimentOf(model: string) {
    const experiment = await waitFor(
      'the job to start its experiment',
      () =>
        database.db
          .selectFrom('experiments')
          .innerJoin('models', 'models.model_id', 'experiments.model_id')
          .select(['experiments.experiment_id'])
          .where('models.name', '=', model)
          .where('experiments.status', '=', 'running')
          .executeTakeFirst(),
      150_000,
    );
    const experimentHandle = harness.client.workflow.getHandle(
      workflowIds.experiment(experiment.experiment_id),
    );
    await waitFor('a look at the experiment', async () => {
      const view = await experimentHandle.query(experimentStatusQuery);
      return view.looks >= 1;
    });
    return { experiment, experimentHandle };
  }

  it('a terminated job cancels its experiment (REQUEST_CANCEL), which then stores itself as stopped', async () => {
    const model = 'terminate-job';
    await seedChampion(database, { model, ...SHIFTED_MARKET });
    const job = await startJob(model, { maxDuration: '1h' });
    const { experiment, experimentHandle } = await runningExperimentOf(model);
    // `temporal workflow terminate`: the job runs no more code; the parent close policy acts for it.
    await job.terminate('test: terminate the job during its experiment');
    const row = await waitFor(
      'the experiment to be stored as stopped',
      async () => {
        const r = await experimentRow(database, experiment.experiment_id);
        return r.status === 'stopped' ? r : undefined;
      },
      10_000,
      100,
    );
    assert.match(row.completion_reason ?? '', /^cancelled/);
    // The terminated job runs no compensation: the experiment's end releases its challenger.
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => a.alias),
      ['champion'],
      'no challenger alias outlives the experiment',
    );
    await waitFor(
      'the experiment workflow to end as cancelled',
      async () => ((await experimentHandle.describe()).status.name === 'CANCELLED' ? true : undefined),
      10_000,
    );
  });

  /**
   * The chaos run's sequence: the experiment paused, then the job reset to its very first workflow
   * task. Resolves once the reset run waits on the experiment, which is still paused.
   */
  async function resetJobToStartDuringPausedExperiment(model: string) {
    await seedChampion(database, { model, ...SHIFTED_MARKET });
    const job = await startJob(model, { maxDuration: '1h' });
    const { experiment, experimentHandle } = await runningExperimentOf(model);
    await experimentHandle.executeUpdate(pauseExperimentUpdate, { args: [{ reason: 'test' }] });

    const [firstTask] = await completedWorkflowTasks(job);
    const resetRun = (await resetWorkflow(
      harness.client,
      job,
      firstTask,
      'test: reset the job to its start during its experiment',
    )) as WorkflowHandle<typeof retrainingWorkflow>;
    await waitFor('the reset run to wait on the experiment', async () => {
      const events = (await resetRun.fetchHistory()).events!;
      return events.some(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitExperimentEnd',
      )
        ? true
        : undefined;
    });
    // A reset does not apply the replaced run's parent close policy: the experiment is left as it
    // was (paused, no cancel request), and only an operator or its deadline ends it.
    assert.equal((await experimentRow(database, experiment.experiment_id)).status, 'paused');
    assert.ok(
      !(await experimentHandle.fetchHistory()).events!.some(
        (e) => e.workflowExecutionCancelRequestedEventAttributes,
      ),
      'the experiment got no cancel request',
    );
    return { job, resetRun, experimentId: experiment.experiment_id, experimentHandle };
  }

  /** The reset run neither trained again nor started a second experiment; the job row agrees. */
  async function assertConcludedFromTheExperiment(
    reset: Awaited<ReturnType<typeof resetJobToStartDuringPausedExperiment>>,
    status: 'completed' | 'rejected',
  ) {
    const events = (await reset.resetRun.fetchHistory()).events!;
    const scheduled = events
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name): name is string => !!name);
    assert.ok(!scheduled.includes('trainCandidate'), `the reset run trained again: ${scheduled.join(', ')}`);
    assert.ok(
      !events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes),
      'the reset run started an experiment again',
    );
    const jobRow = await database.db
      .selectFrom('retraining_jobs')
      .select(['status', 'experiment_id'])
      .where('workflow_id', '=', reset.job.workflowId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(jobRow, { status, experiment_id: reset.experimentId });
  }

  it('a reset to the first workflow task during a paused experiment, then a stop: rejected, challenger cleared', async () => {
    const model = 'reset-job-start-stop';
    const reset = await resetJobToStartDuringPausedExperiment(model);
    await reset.experimentHandle.executeUpdate(stopExperimentUpdate, {
      args: [{ reason: 'test: operator stop' }],
    });
    const result = await reset.resetRun.result();
    assert.equal(result.status, 'rejected');
    assert.equal(result.experimentId, reset.experimentId);
    assert.equal((await experimentRow(database, reset.experimentId)).status, 'stopped');
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => a.alias),
      ['champion'],
      'the challenger was cleared',
    );
    const candidate = await database.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.model_id', 'model_versions.model_id')
      .select('model_versions.stage')
      .where('models.name', '=', model)
      .where('model_versions.version', '=', result.candidateVersion!)
      .executeTakeFirstOrThrow();
    assert.equal(candidate.stage, 'archived');
    await assertConcludedFromTheExperiment(reset, 'rejected');
  });

  it('a reset to the first workflow task during a paused experiment, then a conclude: the job completes', async () => {
    const model = 'reset-job-start-conclude';
    const reset = await resetJobToStartDuringPausedExperiment(model);
    await reset.experimentHandle.executeUpdate(concludeExperimentUpdate, {
      args: [{ winner: 'challenger', reason: 'test: desk sign-off' }],
    });
    const result = await reset.resetRun.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.promotedVersion, 2);
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => `${a.alias}:v${a.version}`),
      ['champion:v2'],
    );
    await assertConcludedFromTheExperiment(reset, 'completed');
  });

  it('a run that finds its experiment created but never started starts it, then concludes', async () => {
    // What an earlier run leaves when it is reset between creating its experiment and starting the
    // experiment's workflow: the job row with its candidate and experiment, no experiment workflow.
    const { model, challengerVersionId } = await seedExperimentModel(database, 'reset-before-start', 5);
    const { experiment_id: experimentId } = await createExperiment(database.db, {
      model,
      name: `${model}: v1 vs v2`,
      variants: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'challenger', version: 2, weight: 0.5, isControl: false },
      ],
      policy: { analysisInterval: '1s', maxDuration: '2s' },
      createdBy: 'test',
    });
    const { jobId } = await insertPendingJob(database.db, {
      modelId: (await getModel(database.db, model)).model_id,
      jobNumber: 1,
      trigger: 'manual',
      reason: 'the earlier run',
      requestedBy: 'test',
      workflowId: workflowIds.retraining(model, 1),
      baseVersionId: null,
    });
    await setJobNewVersion(database.db, jobId, challengerVersionId);
    await linkJobExperiment(database.db, jobId, experimentId);

    const job = await startJob(model, {});
    const result = await job.result();
    // Nobody sends traffic: the experiment ends for futility at its 2 s deadline.
    assert.equal(result.status, 'rejected');
    assert.equal(result.experimentId, experimentId);
    assert.equal((await experimentRow(database, experimentId)).status, 'completed');
    const events = (await job.fetchHistory()).events!;
    const started = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    assert.deepEqual(
      started.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId),
      [workflowIds.experiment(experimentId)],
    );
    assert.ok(
      !events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainCandidate'),
      'no training',
    );
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => a.alias),
      ['champion'],
      'the challenger was cleared',
    );
  });

  it('a reset of a finished job does not run its experiment again (REJECT_DUPLICATE)', async () => {
    const model = 'reset-job';
    await seedChampion(database, { model, ...SHIFTED_MARKET });
    // No traffic: the experiment ends for futility after 2 s and the job rejects the challenger.
    const job = await startJob(model, { maxDuration: '2s' });
    await job.result();
    const history = await job.fetchHistory();
    const startChild = history.events!.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!;
    const experimentWorkflowId = startChild.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!;
    const experimentId = experimentWorkflowId.replace(/^experiment:/, '');
    const experimentBefore = await harness.client.workflow.getHandle(experimentWorkflowId).describe();
    const rowBefore = await experimentRow(database, experimentId);
    assert.equal(rowBefore.status, 'completed');

    // What "Reset" in the UI or `temporal workflow reset` does: back to the workflow task that
    // started the child, which the new run then executes again.
    const resetTo = [...history.events!]
      .reverse()
      .find((e) => Number(e.eventId) < Number(startChild.eventId) && e.workflowTaskCompletedEventAttributes)!;
    const resetRun = await resetWorkflow(harness.client, job, resetTo.eventId, 'test: reset a finished job');
    const again = (await resetRun.result()) as Awaited<ReturnType<typeof retrainingWorkflow>>;
    const resetHistory = await resetRun.fetchHistory();
    assert.ok(
      resetHistory.events!.some((e) => e.startChildWorkflowExecutionFailedEventAttributes),
      'the reset run tried to start the experiment again and was refused',
    );
    // …and then concluded from the experiment that had run, as the first run had.
    assert.equal(again.status, 'rejected');
    assert.equal(again.experimentId, experimentId);
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => a.alias),
      ['champion'],
    );

    const experimentAfter = await harness.client.workflow.getHandle(experimentWorkflowId).describe();
    assert.equal(experimentAfter.runId, experimentBefore.runId, 'no second run of the experiment');
    assert.deepEqual(await experimentRow(database, experimentId), rowBefore, 'the stored end is untouched');
  });

  it('ends the experiment as stopped within seconds; routers stop splitting; a new experiment can start', async () => {
    const model = 'cancel-job';
    await seedChampion(database, { model, ...SHIFTED_MARKET });
    // Nobody sends traffic and the experiment would run for an hour: only the cancel ends it.
    const job = await startJob(model, { maxDuration: '1h' });
    const { experiment, experimentHandle } = await runningExperimentOf(model);
    const live = await loadRoutingConfigRows(database.db);
    assert.ok(
      live.experiments.some((e) => e.experimentId === experiment.experiment_id),
      'routers split traffic while it runs',
    );

    // What `temporal workflow cancel` does.
    const cancelledAt = Date.now();
    await job.cancel();
    const row = await waitFor(
      'the experiment to be stored as stopped',
      async () => {
        const r = await experimentRow(database, experiment.experiment_id);
        return r.status === 'stopped' ? r : undefined;
      },
      10_000,
      100,
    );
    const tookMs = Date.now() - cancelledAt;
    assert.ok(tookMs < 10_000, `stopped ${tookMs} ms after the cancel`);
    assert.match(row.completion_reason ?? '', /^cancelled/);
    assert.ok(row.ended_at);
    await waitFor(
      'the experiment workflow to end as cancelled',
      async () => ((await experimentHandle.describe()).status.name === 'CANCELLED' ? true : undefined),
      10_000,
    );
    await assert.rejects(job.result(), /cancel/i);

    const after = await loadRoutingConfigRows(database.db);
    assert.deepEqual(
      after.experiments.filter((e) => e.experimentId === experiment.experiment_id),
      [],
      'routers no longer split traffic for it',
    );

    // The one-live-experiment-per-model rule no longer blocks the model.
    const next = await createExperiment(database.db, {
      model,
      name: `${model}: the next experiment`,
      variants: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'challenger', version: 2, weight: 0.5, isControl: false },
      ],
      policy: {},
      createdBy: 'test',
    });
    assert.equal(next.status, 'created');
  });
});
