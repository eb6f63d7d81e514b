/**
 * Records the histories that `test/integration/lifecycle/replay.test.ts` replays, so that a change to
 * workflow code that is not replay-safe (an activity added, removed or reordered, a timer changed, a
 * branch on something other than history) fails the build instead of breaking running workflows.
 *
 *   node -r ts-node/register test/support/record-histories.ts [scenario …]
 *
 * Starts its own embedded Postgres and Temporal dev server (the test stack), runs representative
 * workflows end to end with the real activities, and writes each closed execution's history to
 * `test/fixtures/histories/<name>.json` in the JSON form `temporal workflow show --output json`
 * prints (so a history exported from a real cluster can be dropped in next to them). Re-record after
 * an intended, versioned change (`patched()`), and commit the files. With scenario names, only those run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { sql } from 'kysely';
import { workflowIds } from '../../src/temporal/shared';
import type { ExperimentPolicyInput } from '../../src/policies/experiment-policy';
import type { SupervisorPolicyInput } from '../../src/policies/supervisor-policy';
import { getAliases } from '../../src/db/repositories/alias.repository';
import {
  changeAllocationUpdate,
  checkDriftNowUpdate,
  concludeExperimentUpdate,
  experimentStatusQuery,
  experimentWorkflow,
  healthCheckWorkflow,
  modelSupervisorWorkflow,
  pauseExperimentUpdate,
  requestRetrainingSignal,
  resumeExperimentUpdate,
  retentionWorkflow,
  requestRetrainingUpdate,
  retrainingWorkflow,
  setPolicyUpdate,
  stopExperimentUpdate,
  supervisorStatusQuery,
} from '../../src/workflows';
import {
  createChallengerExperiment,
  feedArmOutcomes,
  seedExperimentModel,
  sleep,
  startExperimentWorkflow,
} from './experiment-fixtures';
import {
  insertLivePredictions,
  seedChampion,
  simulateArmOutcomes,
  startHarness,
  waitFor,
  type TemporalHarness,
} from './lifecycle-fixtures';
import { createTestDatabase, stopTestStack, type TestDatabase } from './test-stack';
import { MANIFEST_PATH, writeManifest } from './workflow-manifest';
import { completedWorkflowTasks, resetWorkflow } from './workflow-reset';

export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

/** The self-healing loop's policy (see self-healing-loop.test.ts): every duration in seconds. */
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

const SHIFTED_MARKET = {
  seed: 3,
  bars: 3200,
  trainBars: 2000,
  shift: { atBar: 2000, regime: 'mean-reverting' as const, volatilityMultiplier: 2.5 },
};

interface Context {
  database: TestDatabase;
  harness: TemporalHarness;
  write(name: string, handle: WorkflowHandle): Promise<void>;
}

const TERMINAL = ['completed', 'rejected', 'failed', 'cancelled'];

/**
 * Terminates a never-ending workflow (a supervisor) between two of its tasks, so that its history
 * ends with a completed workflow task rather than one force-closed by the termination.
 */
async function terminateWhenIdle(handle: WorkflowHandle, reason: string): Promise<void> {
  await waitFor(
    `${handle.workflowId} to be idle`,
    async () => {
      const { raw } = await handle.describe();
      return !raw.pendingWorkflowTask && !(raw.pendingActivities?.length ?? 0);
    },
    30_000,
    20,
  );
  await handle.terminate(reason);
}

async function jobOf(database: TestDatabase, model: string) {
  return database.db
    .selectFrom('retraining_jobs')
    .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
    .selectAll('retraining_jobs')
    .where('models.name', '=', model)
    .executeTakeFirst();
}

/**
 * Drift → supervisor starts a retraining → validated → challenger experiment → decided by the
 * simulated outcomes → promoted or rejected → the supervisor hears of it. Writes the supervisor's,
 * the retraining's and the experiment's histories.
 */
async function selfHealingLoop(
  ctx: Context,
  model: string,
  arms: Parameters<typeof simulateArmOutcomes>[2],
  names: { supervisor?: string; retraining: string; experiment: string },
  seed: number,
) {
  const { database, harness } = ctx;
  const seeded = await seedChampion(database, { model, ...SHIFTED_MARKET });
  await insertLivePredictions(
    database,
    model,
    seeded.championVersionId,
    seeded.bars.slice(SHIFTED_MARKET.trainBars - 30),
  );
  const supervisor = await harness.client.workflow.start(modelSupervisorWorkflow, {
    workflowId: workflowIds.supervisor(model),
    taskQueue: harness.taskQueue,
    args: [{ model, policy: FAST_POLICY }],
  });
  const experiment = await waitFor(
    `the challenger experiment of ${model} to start`,
    () =>
      database.db
        .selectFrom('experiments')
        .innerJoin('models', 'models.model_id', 'experiments.model_id')
        .select(['experiments.experiment_id'])
        .where('models.name', '=', model)
        .where('experiments.status', '=', 'running')
        .executeTakeFirst(),
    120_000,
  );
  await simulateArmOutcomes(database, experiment.experiment_id, arms, 600, seed);
  const job = await waitFor(`the retraining of ${model} to end`, async () => {
    const row = await jobOf(database, model);
    return row && TERMINAL.includes(row.status) ? row : undefined;
  });
  await waitFor(`the supervisor of ${model} to hear of the outcome`, async () => {
    const status = await supervisor.query(supervisorStatusQuery);
    return status.lastOutcome !== null && status.running === null;
  });
  const retraining = harness.client.workflow.getHandle(job.workflow_id!);
  await retraining.result();
  const experimentHandle = harness.client.workflow.getHandle(
    workflowIds.experiment(experiment.experiment_id),
  );
  await experimentHandle.result();
  await terminateWhenIdle(supervisor, 'history recorded');
  await ctx.write(names.retraining, retraining);
  await ctx.write(names.experiment, experimentHandle);
  if (names.supervisor) await ctx.write(names.supervisor, supervisor);
}

/** The experiment tests' timings (experiment-workflow.test.ts): one look a second. */
const FAST_EXPERIMENT: ExperimentPolicyInput = {
  analysisInterval: '1s',
  minSamplesPerVariant: 100,
  maxSamplesPerVariant: 600,
  maxDuration: '10m',
};

/** A champion/challenger experiment of its own model, started; resolves once it has looked `looks` times. */
async function runningExperiment(
  ctx: Context,
  model: string,
  seed: number,
  policy: ExperimentPolicyInput,
  options: { coverage?: number } = {},
) {
  const looks = 1;
  await seedExperimentModel(ctx.database, model, seed);
  const experimentId = await createChallengerExperiment(ctx.database, model, policy, options);
  const handle = await startExperimentWorkflow(ctx.harness, experimentId);
  await waitFor(
    `${looks} look(s) at ${model}`,
    async () => (await handle.query(experimentStatusQuery)).looks >= looks,
  );
  return { experimentId, handle };
}

/**
 * Job 1 of a model seeded on {@link SHIFTED_MARKET} (its candidate passes the gate and goes to an
 * experiment), with the fast experiment policy and the given maximum duration.
 */
async function startShiftedJob(ctx: Context, model: string, maxDuration: string) {
  await seedChampion(ctx.database, { model, ...SHIFTED_MARKET });
  return ctx.harness.client.workflow.start(retrainingWorkflow, {
    workflowId: workflowIds.retraining(model, 1),
    taskQueue: ctx.harness.taskQueue,
    args: [
      {
        model,
        jobNumber: 1,
        trigger: 'manual',
        reason: 'replay fixture',
        requestedBy: 'record-histories',
        windowBars: 1000,
        experiment: { ...FAST_POLICY.experiment, maxDuration },
      },
    ],
  });
}

const SCENARIOS: Record<string, (ctx: Context) => Promise<void>> = {
  /** The whole loop with a better challenger: promoted. */
  async promoted(ctx) {
    await selfHealingLoop(
      ctx,
      'replay-up',
      { control: { accuracy: 0.5 }, challenger: { accuracy: 0.66 } },
      {
        supervisor: 'supervisor-drift-retraining',
        retraining: 'retraining-promoted',
        experiment: 'experiment-promoted',
      },
      11,
    );
  },

  /** The whole loop with a worse challenger: experiment ends, challenger archived, alert. */
  async 'not-promoted'(ctx) {
    await selfHealingLoop(
      ctx,
      'replay-down',
      { control: { accuracy: 0.66 }, challenger: { accuracy: 0.48 } },
      { retraining: 'retraining-not-promoted', experiment: 'experiment-not-promoted' },
      12,
    );
  },

  /** A candidate that fails its gate: rejected at validation with an alert, no experiment. */
  async 'rejected-at-validation'(ctx) {
    const model = 'replay-gate';
    await seedChampion(ctx.database, { model, seed: 21, bars: 3000, trainBars: 2000 });
    await sql`UPDATE models SET gate_policy = ${'{"floors":[{"metric":"auc","min":0.99}],"infra":{"maxP99LatencyMs":200}}'}::jsonb WHERE name = ${model}`.execute(
      ctx.database.db,
    );
    const handle = await ctx.harness.client.workflow.start(retrainingWorkflow, {
      workflowId: workflowIds.retraining(model, 1),
      taskQueue: ctx.harness.taskQueue,
      args: [
        {
          model,
          jobNumber: 1,
          trigger: 'manual',
          reason: 'replay fixture',
          requestedBy: 'record-histories',
          windowBars: 1000,
        },
      ],
    });
    const result = await handle.result();
    if (result.status !== 'rejected')
      throw new Error(`expected a rejection at validation, got ${JSON.stringify(result)}`);
    await ctx.write('retraining-rejected-at-validation', handle);
  },

  /**
   * A supervisor that continues as new (test hook `continueAsNewAfter`) after a policy update and a
   * second manual request coalesced into the first; both runs are written, the second one starting
   * from the carried state.
   */
  async 'continued-as-new'(ctx) {
    await continuedAsNew(ctx, 'replay-can', 'supervisor-continued-as-new');
  },

  /** The same, with the current supervisor (reconciliation, jitter): a second pair of runs. */
  async 'continued-as-new-reconciling'(ctx) {
    await continuedAsNew(ctx, 'replay-can-2', 'supervisor-reconciling-continued-as-new');
  },

  /**
   * What operators and faults send a supervisor: payloads it refuses (no input, `{}`, a trigger in
   * the wrong case), a manual request by update, a second one merged into the running job, a drift
   * request merged by signal, `checkDriftNow`, a nested setPolicy patch, then the job terminated:
   * reconciled at the next request, which starts job 2. Job 2 finds the experiment job 1 left live
   * and fails before training, reporting in its `finally`.
   */
  async 'operator-messages'(ctx) {
    const model = 'replay-ops';
    const { harness, database } = ctx;
    await seedChampion(database, { model, ...SHIFTED_MARKET });
    const handle = await harness.client.workflow.start(modelSupervisorWorkflow, {
      workflowId: workflowIds.supervisor(model),
      taskQueue: harness.taskQueue,
      args: [{ model, policy: { ...FAST_POLICY, driftCheckInterval: '1h' } }],
    });
    await harness.client.workflow.getHandle(handle.workflowId).signal('requestRetraining');
    await handle.signal(requestRetrainingSignal, {} as never);
    await handle.signal(requestRetrainingSignal, {
      trigger: 'Manual',
      reason: 'wrong case',
      requestedBy: 'record-histories',
    } as never);
    const first = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'replay fixture', requestedBy: 'record-histories' }],
    });
    const merged = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'second click', requestedBy: 'record-histories' }],
    });
    if (!merged.merged) throw new Error(`expected a merge, got ${JSON.stringify(merged)}`);
    await handle.signal(requestRetrainingSignal, {
      trigger: 'drift',
      reason: 'merged by signal',
      requestedBy: 'record-histories',
    });
    await handle.executeUpdate(checkDriftNowUpdate);
    await handle.executeUpdate(setPolicyUpdate, { args: [{ hysteresis: { breaches: 1 } }] });
    // Terminated during its experiment: the experiment child goes with it (parent close policy) but its
    // row stays live, which is what makes job 2 fail before training.
    await waitFor(
      'job 1 to run its experiment',
      () =>
        database.db
          .selectFrom('experiments')
          .innerJoin('models', 'models.model_id', 'experiments.model_id')
          .select('experiments.experiment_id')
          .where('models.name', '=', model)
          .where('experiments.status', '=', 'running')
          .executeTakeFirst(),
      120_000,
    );
    await harness.client.workflow.getHandle(first.workflowId).terminate('replay fixture: terminated');
    const second = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'after the termination', requestedBy: 'record-histories' }],
    });
    if (second.jobNumber !== 2) throw new Error(`expected job 2, got ${JSON.stringify(second)}`);
    // Job 2 fails at once on the experiment job 1 left live. (Should job 1's experiment have ended with
    // it, job 2 trains and experiments instead: cancel it then, which ends it just as well.)
    const job2 = harness.client.workflow.getHandle(second.workflowId);
    const ended = await Promise.race([
      job2.result().then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 60_000)),
    ]);
    if (!ended) {
      await job2.cancel();
      await job2.result().catch(() => undefined);
    }
    await waitFor('the supervisor to hear of job 2', async () => {
      const status = await handle.query(supervisorStatusQuery);
      return status.lastOutcome?.workflowId === second.workflowId && status.running === null;
    });
    await terminateWhenIdle(handle, 'history recorded');
    await ctx.write('supervisor-operator-messages', handle);
    await ctx.write(
      'retraining-failed-live-experiment',
      harness.client.workflow.getHandle(second.workflowId),
    );
  },

  /**
   * A job cancelled during its experiment: LifecycleState cancelled, the challenger alias given back
   * and the row ended in a non-cancellable scope, the supervisor told in the `finally`.
   */
  async 'cancelled-in-experiment'(ctx) {
    const model = 'replay-cancel';
    const { database } = ctx;
    const handle = await startShiftedJob(ctx, model, '1h');
    await waitFor(
      'the job to stage its challenger',
      async () => (await getAliases(database.db, model)).some((a) => a.alias === 'challenger'),
      120_000,
    );
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await ctx.write('retraining-cancelled-in-experiment', handle);
  },

  /**
   * The chaos run's sequence: the job's experiment paused, the job reset to its first workflow task,
   * then the operator stops the experiment. The reset run waits on the experiment it had started
   * (RETRAINING_PATCHES.concludeOwnExperiment) and ends rejected, its challenger cleared.
   */
  async 'reset-during-experiment'(ctx) {
    const model = 'replay-reset';
    const { harness, database } = ctx;
    const handle = await startShiftedJob(ctx, model, '1h');
    const experimentId = await waitFor(
      'the job to start its experiment',
      async () => (await jobOf(database, model))?.experiment_id ?? undefined,
      120_000,
    );
    const experiment = harness.client.workflow.getHandle(workflowIds.experiment(experimentId));
    // The job links the experiment just before it starts the experiment's workflow: not found until then.
    await waitFor('the experiment to run', () =>
      experiment.query(experimentStatusQuery).then(
        (view) => view.state === 'running' || undefined,
        () => undefined,
      ),
    );
    await experiment.executeUpdate(pauseExperimentUpdate, { args: [{ reason: 'replay fixture' }] });
    const [firstTask] = await completedWorkflowTasks(handle);
    const resetRun = await resetWorkflow(
      harness.client,
      handle,
      firstTask,
      'replay fixture: reset to the start during the experiment',
    );
    await waitFor('the reset run to wait on the experiment', async () =>
      (await resetRun.fetchHistory()).events!.some(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitExperimentEnd',
      )
        ? true
        : undefined,
    );
    await experiment.executeUpdate(stopExperimentUpdate, { args: [{ reason: 'replay fixture' }] });
    await resetRun.result();
    await ctx.write('retraining-reset-concluded-from-experiment', resetRun);
  },

  /**
   * A finished job reset to the workflow task before it started its experiment: the start is refused
   * (REJECT_DUPLICATE) and the run concludes from the experiment that ran, rejected again.
   */
  async 'reset-after-experiment-started'(ctx) {
    const model = 'replay-reset-late';
    const { harness } = ctx;
    // No traffic: the experiment ends for futility after 2 s and the job rejects the challenger.
    const handle = await startShiftedJob(ctx, model, '2s');
    await handle.result();
    const events = (await handle.fetchHistory()).events!;
    const startChild = events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!;
    const before = [...events]
      .reverse()
      .find((e) => Number(e.eventId) < Number(startChild.eventId) && e.workflowTaskCompletedEventAttributes)!;
    const resetRun = await resetWorkflow(harness.client, handle, before.eventId, 'replay fixture');
    await resetRun.result();
    await ctx.write('retraining-reset-after-experiment-started', resetRun);
  },

  /** A job whose first step fails (its model does not exist): failed, not left `preparing`. */
  async 'failed-at-first-step'(ctx) {
    const handle = await ctx.harness.client.workflow.start(retrainingWorkflow, {
      workflowId: workflowIds.retraining('replay-missing', 1),
      taskQueue: ctx.harness.taskQueue,
      args: [
        {
          model: 'replay-missing',
          jobNumber: 1,
          trigger: 'manual',
          reason: 'replay fixture',
          requestedBy: 'record-histories',
          supervisorWorkflowId: workflowIds.supervisor('replay-missing'),
        },
      ],
    });
    await handle.result().catch(() => undefined);
    await ctx.write('retraining-failed-at-first-step', handle);
  },

  /**
   * Operator pause (LifecycleState paused), resume, a ramp of the allocation, then conclude: the winner
   * is promoted in one transaction.
   */
  async 'experiment-operators'(ctx) {
    const { handle } = await runningExperiment(ctx, 'replay-exp-ops', 1, FAST_EXPERIMENT, { coverage: 0.5 });
    await handle.executeUpdate(pauseExperimentUpdate, { args: [{ reason: 'replay fixture' }] });
    await sleep(2500);
    await handle.executeUpdate(resumeExperimentUpdate);
    const resumedAt = (await handle.query(experimentStatusQuery)).looks;
    await waitFor(
      'a look after the resume',
      async () => (await handle.query(experimentStatusQuery)).looks > resumedAt,
    );
    await handle.executeUpdate(changeAllocationUpdate, { args: [{ coverage: 0.8 }] });
    await handle.executeUpdate(concludeExperimentUpdate, {
      args: [{ winner: 'challenger', reason: 'desk sign-off' }],
    });
    const result = await handle.result();
    if (result.promotedVersion !== 2) throw new Error(`expected v2 promoted, got ${JSON.stringify(result)}`);
    await ctx.write('experiment-paused-resumed-concluded', handle);
  },

  /** A better challenger decided by the test and promoted automatically (one promoteWinner transaction). */
  async 'experiment-promoted-automatically'(ctx) {
    const { experimentId, handle } = await runningExperiment(ctx, 'replay-exp-auto', 2, FAST_EXPERIMENT);
    await feedArmOutcomes(
      ctx.database,
      experimentId,
      { control: { accuracy: 0.5 }, challenger: { accuracy: 0.66 } },
      600,
      2,
    );
    const result = await handle.result();
    if (result.promotedVersion !== 2) throw new Error(`expected v2 promoted, got ${JSON.stringify(result)}`);
    await ctx.write('experiment-promoted-automatically', handle);
  },

  /** A sample-ratio mismatch holds the experiment (critical alert); an operator then stops it. */
  async 'experiment-srm-held-stopped'(ctx) {
    const { experimentId, handle } = await runningExperiment(ctx, 'replay-exp-srm', 3, FAST_EXPERIMENT);
    await feedArmOutcomes(
      ctx.database,
      experimentId,
      { control: { accuracy: 0.55, assignments: 3000 }, challenger: { accuracy: 0.55, assignments: 1200 } },
      300,
      4,
    );
    await waitFor('the hold', async () =>
      (await handle.query(experimentStatusQuery)).state === 'held' ? true : undefined,
    );
    await handle.executeUpdate(stopExperimentUpdate, { args: [{ reason: 'router misconfigured' }] });
    await handle.result();
    await ctx.write('experiment-srm-held-stopped', handle);
  },

  /** A guardrail breach: stopped at once, alert, traffic back to control. */
  async 'experiment-guardrail-rolled-back'(ctx) {
    const { experimentId, handle } = await runningExperiment(ctx, 'replay-exp-guard', 4, {
      ...FAST_EXPERIMENT,
      minSamplesPerVariant: 1000,
      maxSamplesPerVariant: 5000,
      guardrails: { maxLoss: 0.5 },
    });
    await feedArmOutcomes(
      ctx.database,
      experimentId,
      { control: { accuracy: 0.55 }, challenger: { accuracy: 0.55, meanReturn: -0.01 } },
      300,
      5,
    );
    const result = await handle.result();
    if (result.status !== 'stopped')
      throw new Error(`expected a guardrail stop, got ${JSON.stringify(result)}`);
    await ctx.write('experiment-guardrail-rolled-back', handle);
  },

  /** Cancelled (as its retraining job's cancellation does): stored as stopped in a non-cancellable scope. */
  async 'experiment-cancelled'(ctx) {
    const { handle } = await runningExperiment(ctx, 'replay-exp-cancel', 5, FAST_EXPERIMENT);
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await ctx.write('experiment-cancelled', handle);
  },

  /** Continue-as-new after two looks; the second run ends at the deadline carried from the first. */
  async 'experiment-continued-as-new'(ctx) {
    const model = 'replay-exp-can';
    await seedExperimentModel(ctx.database, model, 6);
    const experimentId = await createChallengerExperiment(ctx.database, model, {
      ...FAST_EXPERIMENT,
      maxDuration: '4s',
    });
    const handle = await ctx.harness.client.workflow.start(experimentWorkflow, {
      workflowId: workflowIds.experiment(experimentId),
      taskQueue: ctx.harness.taskQueue,
      args: [{ experimentId, continueAsNewAfterLooks: 2 }],
    });
    const result = await handle.result();
    if (result.status !== 'completed')
      throw new Error(`expected futility at the deadline, got ${JSON.stringify(result)}`);
    const firstRun = ctx.harness.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    const events = (await firstRun.fetchHistory()).events ?? [];
    const secondRunId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!secondRunId) throw new Error('the experiment did not continue as new');
    await ctx.write('experiment-continued-as-new-run-1', firstRun);
    await ctx.write(
      'experiment-continued-as-new-run-2',
      ctx.harness.client.workflow.getHandle(handle.workflowId, secondRunId),
    );
  },

  /** The smallest end-to-end path: client → worker → activity → Postgres. */
  async 'health-check'(ctx) {
    const handle = await ctx.harness.client.workflow.start(healthCheckWorkflow, {
      workflowId: workflowIds.healthCheck('replay-fixture'),
      taskQueue: ctx.harness.taskQueue,
    });
    await handle.result();
    await ctx.write('health-check', handle);
  },

  /**
   * A candidate rejected at validation, recorded after training moved to `<queue>-training` behind
   * `patched('training-on-own-task-queue')`: the history carries the patch marker. (The older
   * `retraining-rejected-at-validation` history has none and must keep replaying.)
   */
  async 'training-queue'(ctx) {
    const model = 'replay-training-queue';
    await seedChampion(ctx.database, { model, seed: 21, bars: 3000, trainBars: 2000 });
    await sql`UPDATE models SET gate_policy = ${'{"floors":[{"metric":"auc","min":0.99}],"infra":{"maxP99LatencyMs":200}}'}::jsonb WHERE name = ${model}`.execute(
      ctx.database.db,
    );
    const handle = await ctx.harness.client.workflow.start(retrainingWorkflow, {
      workflowId: workflowIds.retraining(model, 1),
      taskQueue: ctx.harness.taskQueue,
      args: [
        {
          model,
          jobNumber: 1,
          trigger: 'manual',
          reason: 'replay fixture',
          requestedBy: 'record-histories',
          windowBars: 1000,
        },
      ],
    });
    const result = await handle.result();
    if (result.status !== 'rejected')
      throw new Error(`expected a rejection at validation, got ${JSON.stringify(result)}`);
    await ctx.write('retraining-rejected-on-training-queue', handle);
  },

  /** A retention run over an empty database: plan, then one prune activity per kind of row. */
  async retention(ctx) {
    const handle = await ctx.harness.client.workflow.start(retentionWorkflow, {
      workflowId: 'retention:replay-fixture',
      taskQueue: ctx.harness.taskQueue,
      args: [{ dryRun: false }],
    });
    await handle.result();
    await ctx.write('retention-run', handle);
  },
};

/**
 * A supervisor that continues as new (test hook `continueAsNewAfter`) after a policy update and a
 * second manual request coalesced into the first; both runs are written (`<name>-run-1`, `-run-2`),
 * the second one starting from the carried state.
 */
async function continuedAsNew(ctx: Context, model: string, name: string): Promise<void> {
  const { harness } = ctx;
  await seedChampion(ctx.database, { model, seed: 21, bars: 3000, trainBars: 2000 });
  const policy: SupervisorPolicyInput = {
    ...FAST_POLICY,
    experiment: { ...FAST_POLICY.experiment, maxDuration: '2s' },
  };
  const handle = await harness.client.workflow.signalWithStart(modelSupervisorWorkflow, {
    workflowId: workflowIds.supervisor(model),
    taskQueue: harness.taskQueue,
    args: [{ model, policy, continueAsNewAfter: 4 }],
    signal: requestRetrainingSignal,
    signalArgs: [{ trigger: 'manual', reason: 'replay fixture', requestedBy: 'record-histories' }],
  });
  await handle.signal(requestRetrainingSignal, {
    trigger: 'manual',
    reason: 'second click',
    requestedBy: 'record-histories',
  });
  await handle.executeUpdate(setPolicyUpdate, { args: [{ minDriftSamples: 50 }] });
  const firstRunId = handle.signaledRunId;
  const firstRun = harness.client.workflow.getHandle(handle.workflowId, firstRunId);
  const secondRunId = await waitFor(
    'the supervisor to continue as new',
    async () => {
      const events = (await firstRun.fetchHistory()).events ?? [];
      return events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    },
    60_000,
  );
  const secondRun = harness.client.workflow.getHandle(handle.workflowId, secondRunId);
  // The second run starts from the carried state (SupervisorState.restore); let it continue as new too,
  // so that both recorded runs are closed. (Whether the job reports to the first or the second run
  // depends on timing; both paths replay.)
  await waitFor(
    'the second run to continue as new',
    async () => {
      const events = (await secondRun.fetchHistory()).events ?? [];
      return events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes ? true : undefined;
    },
    60_000,
  );
  const job = await waitFor('the manual retraining to end', async () => {
    const row = await jobOf(ctx.database, model);
    return row && TERMINAL.includes(row.status) ? row : undefined;
  });
  await harness.client.workflow.getHandle(job.workflow_id!).result();
  await terminateWhenIdle(harness.client.workflow.getHandle(handle.workflowId), 'history recorded');
  await ctx.write(`${name}-run-1`, firstRun);
  await ctx.write(`${name}-run-2`, secondRun);
}

/**
 * ProtoJSON of histories, as `historyToJSON`/`historyFromJSON` of @temporalio/common/lib/proto-utils
 * do it, but with protobufjs' protojson extension taken from the copy of protobufjs that
 * @temporalio/proto's reflection types belong to. In this install @temporalio/common and
 * @temporalio/proto each have their own nested protobufjs@8 (the hoisted one is @grpc's 7.x), so
 * common's `toJson`/`fromJson` reject proto's types (`TypeError: type must be a Type`) — and so does
 * `Worker.runReplayHistory` when given history JSON.
 */
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}
const protoJson = (): ProtoJson => {
  const protoPackageDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('protobufjs/ext/protojson', { paths: [protoPackageDir] })) as ProtoJson;
};
const historyType = () =>
  (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
    'temporal.api.history.v1.History',
  );

/** The history as `temporal workflow show --output json` writes it, indented for readable diffs. */
export function formatHistory(history: History): string {
  const json = protoJson().toJson(historyType(), proto.temporal.api.history.v1.History.fromObject(history));
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Reads a history written by {@link formatHistory} (or exported by the Temporal CLI or UI) for replay. */
export function parseHistory(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an array of events');
  }
  const history = protoJson().fromJson(historyType(), json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a history');
  return history as History;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !(name in SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  await mkdir(HISTORIES_DIR, { recursive: true });
  const database = await createTestDatabase();
  const harness = await startHarness(database);
  const written: string[] = [];
  const ctx: Context = {
    database,
    harness,
    async write(name, handle) {
      const history = await handle.fetchHistory();
      const file = path.join(HISTORIES_DIR, `${name}.json`);
      await writeFile(file, formatHistory(history));
      written.push(`${path.relative(process.cwd(), file)} (${history.events?.length ?? 0} events)`);
    },
  };
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (only.length && !only.includes(name)) continue;
      const startedAt = Date.now();
      await scenario(ctx);
      console.log(`${name}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    }
  } finally {
    await harness.close();
    await database.drop();
    await stopTestStack();
  }
  // Every history now replays the current workflow code: that code is what they were recorded with.
  // (After a partial run the others were not, so the manifest stays as it was.)
  if (!only.length) {
    writeManifest('recorded');
    written.push(path.relative(process.cwd(), MANIFEST_PATH));
  }
  console.log(`wrote\n  ${written.join('\n  ')}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
