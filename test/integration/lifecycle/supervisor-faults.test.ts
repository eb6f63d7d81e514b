import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../../src/activities';
import type { DashboardContext } from '../../../src/dashboard/context';
import { modelPage } from '../../../src/dashboard/pages/model.page';
import { overviewPage } from '../../../src/dashboard/pages/overview.page';
import { getAliases } from '../../../src/db/repositories/alias.repository';
import { createExperiment } from '../../../src/db/repositories/experiment.repository';
import { getArtifact, registerVersion } from '../../../src/db/repositories/version.repository';
import { LifecycleStateKey } from '../../../src/temporal/search-attributes';
import { workflowIds } from '../../../src/temporal/shared';
import { trainingTaskQueue } from '../../../src/temporal/task-queues';
import { describeSupervisorHealth } from '../../../src/temporal/supervisor-health';
import {
  modelSupervisorWorkflow,
  requestRetrainingSignal,
  requestRetrainingUpdate,
  retrainingWorkflow,
  supervisorStatusQuery,
} from '../../../src/workflows';
import type { SupervisorPolicyInput } from '../../../src/policies/supervisor-policy';
import type { JobReconciliation, SupervisorStatus } from '../../../src/workflows/supervisor/supervisor-types';
import { seedChampion, waitFor } from '../../support/lifecycle-fixtures';
import { runCli } from '../../support/run-cli';
import { getWorkflowBundle } from '../../support/workflow-bundle';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

/** No drift check during a test (hourly), no cooldown to speak of. */
const POLICY: SupervisorPolicyInput = {
  driftCheckInterval: '1h',
  cooldown: '1s',
  retrain: { trainer: 'logreg', windowBars: 1000 },
  experiment: { analysisInterval: '1s', maxDuration: '1h', minSamplesPerVariant: 100 },
};

const MARKET = { seed: 21, bars: 3000, trainBars: 2000 };

/**
 * The faults of issue 15 defects 1, 2, 9 and 10 on a real dev server and real Postgres: the real
 * workflows and activities, with a few activities replaced (per test) to fail or hang on purpose.
 */
describe('supervisor and retraining faults (real Temporal, real Postgres)', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let connection: Connection;
  let native: NativeConnection;
  let client: Client;
  /** What the next test's worker does instead of the real activity (reset before each test). */
  let overrides: Partial<Activities> = {};
  let taskQueue: string;
  let worker: Worker;
  /** Polls `<queue>-training`, where the retraining workflow sends trainCandidate. */
  let trainingWorker: Worker;
  let running: Promise<void>;

  before(async () => {
    database = await createTestDatabase();
    const stack = await getTestStack();
    connection = await Connection.connect({ address: stack.temporalAddress });
    native = await NativeConnection.connect({ address: stack.temporalAddress });
    client = new Client({ connection });
  });
  after(async () => {
    await native?.close();
    await connection?.close();
    await database?.drop();
  });

  async function startWorker(activityOverrides: Partial<Activities>): Promise<void> {
    overrides = activityOverrides;
    taskQueue = `faults-${randomUUID()}`;
    const real = createActivities({ db: database.db });
    // Each activity looks its override up when called, so a test can change one midway.
    type Fn = (...args: unknown[]) => Promise<unknown>;
    const activities = Object.fromEntries(
      Object.keys(real).map((name) => [
        name,
        (...args: unknown[]) =>
          (((overrides as Record<string, Fn>)[name] ?? (real as unknown as Record<string, Fn>)[name]) as Fn)(
            ...args,
          ),
      ]),
    );
    worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: await getWorkflowBundle(),
      activities,
    });
    trainingWorker = await Worker.create({
      connection: native,
      taskQueue: trainingTaskQueue(taskQueue),
      activities: { trainCandidate: activities.trainCandidate },
    });
    running = Promise.allSettled([worker.run(), trainingWorker.run()]).then(() => undefined);
  }
  afterEach(async () => {
    for (const w of [worker, trainingWorker]) if (w?.getState() === 'RUNNING') w.shutdown();
    await running?.catch(() => undefined);
  });

  const startSupervisor = (model: string) =>
    client.workflow.start(modelSupervisorWorkflow, {
      workflowId: workflowIds.supervisor(model),
      taskQueue,
      args: [{ model, policy: POLICY }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  const status = (model: string): Promise<SupervisorStatus> =>
    client.workflow.getHandle(workflowIds.supervisor(model)).query(supervisorStatusQuery);
  const jobRow = (workflowId: string) =>
    database.db
      .selectFrom('retraining_jobs')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .executeTakeFirst();
  const lifecycleState = async (workflowId: string) =>
    (await client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(LifecycleStateKey);
  const decisions = (s: SupervisorStatus) => JSON.stringify(s.decisions, null, 1);
  /** An activity that runs until it is cancelled (a long training, a hung step). */
  const hang = async () => {
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(500);
    }
  };

  it('refuses bad requestRetraining payloads without wedging, then starts a job for a valid one', async () => {
    const model = 'faults-payload';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({ prepareTrainingData: hang });
    const handle = await startSupervisor(model);
    // What `temporal workflow signal --name requestRetraining` sends with no --input, with `{}`, with
    // a trigger in the wrong case (it violates the CHECK on retraining_jobs.trigger), and junk.
    await client.workflow.getHandle(handle.workflowId).signal('requestRetraining');
    await handle.signal(requestRetrainingSignal, {} as never);
    await handle.signal(requestRetrainingSignal, {
      trigger: 'Manual',
      reason: 'x',
      requestedBy: 'y',
    } as never);
    await handle.signal(requestRetrainingSignal, 'retrain please' as never);
    await handle.signal(requestRetrainingSignal, { trigger: 'manual', reason: '', requestedBy: 'y' });
    const refused = await waitFor('the five refusals', async () => {
      const s = await status(model).catch(() => undefined);
      return s && (s.rejected?.count ?? 0) >= 5 ? s : undefined;
    });
    assert.equal(refused.running, null, decisions(refused));
    assert.equal(refused.pending, null, decisions(refused));
    assert.deepEqual(
      refused.rejected!.recent.map((r) => r.payload),
      [
        '(no input)',
        '{}',
        '{"trigger":"Manual","reason":"x","requestedBy":"y"}',
        '"retrain please"',
        '{"trigger":"manual","reason":"","requestedBy":"y"}',
      ],
    );
    assert.match(refused.rejected!.recent[0]!.error, /expected a JSON object such as/);
    assert.match(refused.rejected!.recent[2]!.error, /^trigger: Invalid option/);
    assert.match(refused.rejected!.recent[4]!.error, /^reason: must not be empty/);
    const health = await describeSupervisorHealth(client, model);
    assert.deepEqual(health.problems, [], 'refusals leave the workflow task healthy');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-faults-'));
    try {
      const out = await runCli(['status', model], {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: (await getTestStack()).temporalAddress,
        GALFRIDAY_TASK_QUEUE: taskQueue,
        GALFRIDAY_DATA_DIR: dir,
      });
      assert.match(
        out.stdout,
        /refused messages: 5, last .* signal requestRetraining: reason: must not be empty \(payload \{"trigger":"manual"/,
        out.stdout + out.stderr,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    await handle.signal(requestRetrainingSignal, { trigger: 'manual', reason: 'valid', requestedBy: 'ana' });
    const started = await waitFor('job 1 to start', async () => (await status(model)).running ?? undefined);
    assert.equal(started.workflowId, workflowIds.retraining(model, 1));
    await client.workflow.getHandle(started.workflowId).terminate('test done');
    await handle.terminate('test done');
  });

  it('answers the requestRetraining update with the job, refuses a bad one, and merges into a running job', async () => {
    const model = 'faults-update';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({ prepareTrainingData: hang });
    const handle = await startSupervisor(model);
    await assert.rejects(
      handle.executeUpdate(requestRetrainingUpdate, { args: [{} as never] }),
      (error: unknown) =>
        error instanceof WorkflowUpdateFailedError &&
        /reason: Invalid input/.test(error.cause?.message ?? ''),
    );
    const first = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'new data', requestedBy: 'ana' }],
    });
    assert.deepEqual(first, {
      workflowId: workflowIds.retraining(model, 1),
      jobNumber: 1,
      trigger: 'manual',
      merged: false,
    });
    const second = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'again', requestedBy: 'bob' }],
    });
    assert.deepEqual(second, { ...first, merged: true });
    const history = await handle.fetchHistory();
    const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(updates.length, 2, 'the refused update left no trace in history');
    await client.workflow.getHandle(first.workflowId).terminate('test done');
    await handle.terminate('test done');
  });

  it('reconciles a terminated job: the row ends, and the next manual request starts a new job at once', async () => {
    const model = 'faults-terminate';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({ prepareTrainingData: hang });
    const handle = await startSupervisor(model);
    const first = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'first', requestedBy: 'ana' }],
    });
    await waitFor('job 1 to write its row', () => jobRow(first.workflowId));
    // Terminated from the UI or `temporal workflow terminate`: the job cannot report.
    await client.workflow.getHandle(first.workflowId).terminate('operator pressed terminate');
    const startedAt = Date.now();
    const next = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'after the termination', requestedBy: 'ana' }],
    });
    assert.equal(next.workflowId, workflowIds.retraining(model, 2), JSON.stringify(next));
    assert.equal(next.merged, false);
    assert.ok(Date.now() - startedAt < 20_000, 'within one wake, not at the next hourly check');
    const s = await status(model);
    assert.ok(
      s.decisions.some((d) => d.kind === 'reconciled' && d.detail.includes(first.workflowId)),
      decisions(s),
    );
    const row = await jobRow(first.workflowId);
    assert.equal(row?.status, 'cancelled');
    assert.match(row?.error_message ?? '', /workflow terminated: operator pressed terminate/);
    await client.workflow.getHandle(next.workflowId).terminate('test done');
    await handle.terminate('test done');
  });

  it('requeues a request that was merged into a job that then vanished', async () => {
    const model = 'faults-requeue';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({ prepareTrainingData: hang });
    const handle = await startSupervisor(model);
    const first = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'first', requestedBy: 'ana' }],
    });
    await handle.signal(requestRetrainingSignal, {
      trigger: 'drift',
      reason: 'drift meanwhile',
      requestedBy: 'x',
    });
    await waitFor('the drift request to be merged', async () => (await status(model)).coalesced >= 1);
    await client.workflow.getHandle(first.workflowId).terminate('gone');
    // Any wake reconciles; a policy update is one.
    await handle.executeUpdate('setPolicy', { args: [{ cooldown: '1s' }] });
    const second = await waitFor('the merged drift request to start job 2', async () => {
      const s = await status(model);
      return s.running?.jobNumber === 2 ? s.running : undefined;
    });
    assert.equal(second.trigger, 'drift');
    await client.workflow.getHandle(second.workflowId).terminate('test done');
    await handle.terminate('test done');
  });

  it('a job whose beginRetrainingJob fails still reports, ends as failed (not preparing), and frees the supervisor', async () => {
    const model = 'faults-begin';
    await seedChampion(database, { model, ...MARKET });
    let calls = 0;
    await startWorker({
      beginRetrainingJob: async () => {
        calls++;
        throw ApplicationFailure.nonRetryable('database refused the row', 'DataValidationError');
      },
    });
    const handle = await startSupervisor(model);
    const first = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'first', requestedBy: 'ana' }],
    });
    const s = await waitFor('the supervisor to hear of the failure', async () => {
      const st = await status(model);
      return st.lastOutcome?.workflowId === first.workflowId && st.running === null ? st : undefined;
    });
    assert.equal(s.lastOutcome!.status, 'failed');
    assert.match(s.lastOutcome!.detail, /database refused the row/);
    assert.equal(calls, 1, 'a permanent failure is not retried');
    assert.equal(await lifecycleState(first.workflowId), 'failed');
    overrides = {};
    const next = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'second', requestedBy: 'ana' }],
    });
    assert.equal(next.workflowId, workflowIds.retraining(model, 2));
    await client.workflow
      .getHandle(next.workflowId)
      .terminate('test done')
      .catch(() => undefined);
    await handle.terminate('test done');
  });

  it('a job for a model with a live experiment fails before training, with the reason on the job', async () => {
    const model = 'faults-live';
    const seeded = await seedChampion(database, { model, ...MARKET });
    await registerVersion(database.db, {
      model,
      trainer: 'external',
      onnx: await getArtifact(database.db, seeded.championVersionId),
      featureSchema: { version: 'gf-features-v1', names: [] },
      createdBy: 'test',
    });
    await createExperiment(database.db, {
      model,
      name: 'an operator experiment',
      variants: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'challenger', version: 2, weight: 0.5, isControl: false },
      ],
      policy: {},
      createdBy: 'test',
    });
    let prepared = 0;
    await startWorker({
      prepareTrainingData: async () => {
        prepared++;
        throw ApplicationFailure.nonRetryable('must not be reached');
      },
    });
    const handle = await startSupervisor(model);
    const job = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'while an experiment runs', requestedBy: 'ana' }],
    });
    const row = await waitFor('the job row to end', async () => {
      const r = await jobRow(job.workflowId);
      return r && r.status !== 'pending' && r.status !== 'running' ? r : undefined;
    });
    assert.equal(row.status, 'failed');
    assert.match(row.error_message ?? '', /already has a live experiment .*created/);
    assert.equal(prepared, 0, 'no data prepared, nothing trained');
    await assert.rejects(
      client.workflow.getHandle(job.workflowId).result(),
      (error: Error) => (error.cause as ApplicationFailure | undefined)?.type === 'LiveExperimentError',
    );
    await handle.terminate('test done');
  });

  it('a cancelled job ends cancelled (LifecycleState, row, report) and gives its challenger alias back', async () => {
    const model = 'faults-cancel';
    // The market of the self-healing loop: a candidate trained after its shift passes the gate.
    await seedChampion(database, {
      model,
      seed: 3,
      bars: 3200,
      trainBars: 2000,
      shift: { atBar: 2000, regime: 'mean-reverting', volatilityMultiplier: 2.5 },
    });
    // The real pipeline up to the experiment, which hangs until the job is cancelled.
    await startWorker({ startExperiment: hang as never });
    const handle = await startSupervisor(model);
    const job = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'to cancel', requestedBy: 'ana' }],
    });
    await waitFor(
      'the candidate to hold the challenger alias',
      async () => {
        const row = await jobRow(job.workflowId);
        if (row && row.status !== 'pending' && row.status !== 'running')
          throw new Error(`the job ended before staging: ${row.status} ${row.error_message}`);
        return (await getAliases(database.db, model)).some((a) => a.alias === 'challenger');
      },
      120_000,
    );
    await client.workflow.getHandle(job.workflowId).cancel();
    const s = await waitFor('the supervisor to hear of the cancellation', async () => {
      const st = await status(model);
      return st.lastOutcome?.workflowId === job.workflowId ? st : undefined;
    });
    assert.equal(s.lastOutcome!.status, 'cancelled');
    assert.equal(await lifecycleState(job.workflowId), 'cancelled');
    assert.equal((await jobRow(job.workflowId))?.status, 'cancelled');
    assert.deepEqual(
      (await getAliases(database.db, model)).map((a) => a.alias),
      ['champion'],
      'the challenger alias was cleared',
    );
    await handle.terminate('test done');
  });

  it('shows a supervisor whose workflow task fails as unhealthy, in galfriday status, with one alert', async () => {
    const model = 'faults-wedged';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({});
    // A carried state the code cannot use (as a bad deploy or a corrupted continue-as-new would give):
    // the workflow task throws on every attempt, and the UI still shows the workflow as Running.
    await client.workflow.start(modelSupervisorWorkflow, {
      workflowId: workflowIds.supervisor(model),
      taskQueue,
      args: [{ model, state: { model, decisions: [] } as never }],
    });
    const health = await waitFor(
      'the workflow task to fail twice',
      async () => {
        const h = await describeSupervisorHealth(client, model);
        return h.workflowTaskFailing ? h : undefined;
      },
      60_000,
      500,
    );
    assert.equal(health.status, 'RUNNING');
    assert.ok(health.workflowTaskFailing!.attempt > 1);
    assert.ok(health.workflowTaskFailing!.message, 'the last failure message is read from history');
    const stack = await getTestStack();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-faults-'));
    try {
      const env = {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        GALFRIDAY_TASK_QUEUE: taskQueue,
        GALFRIDAY_DATA_DIR: dir,
      };
      const out = await runCli(['status', model], env);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /UNHEALTHY: supervisor workflow task failing \(attempt \d+\)/);
      await runCli(['status', model], env);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const alerts = await database.db
      .selectFrom('alerts')
      .innerJoin('models', 'models.model_id', 'alerts.model_id')
      .select(['alerts.kind', 'alerts.severity', 'alerts.message'])
      .where('models.name', '=', model)
      .execute();
    assert.deepEqual(
      alerts.map((a) => [a.kind, a.severity]),
      [['supervisor_unhealthy', 'critical']],
      'one alert however often it is looked at',
    );
    // The dashboard shows it too: the overview's Supervisor column and the model page.
    const ctx: DashboardContext = {
      db: database.db,
      temporal: async () => client,
      namespace: 'default',
      temporalUiUrl: undefined,
      workflowUrl: (id) => id,
      workflowListUrl: () => '',
      principal: { kind: 'bearer', operator: 'test' },
      url: new URL('http://localhost/ui'),
      now: () => new Date(),
    };
    const overview = String((await overviewPage(ctx)).content);
    assert.match(overview, /Unhealthy supervisors<\/div>\s*<div class="value">[1-9]/);
    assert.match(overview, /supervisor workflow task failing \(attempt \d+\)/);
    const page = String((await modelPage(ctx, model))!.content);
    assert.match(page, /data-testid="supervisor-health"[\s\S]*unhealthy/);
    await client.workflow.getHandle(workflowIds.supervisor(model)).terminate('test done');
  });

  it('alerts once on a job running past jobTimeout, and shows it in the health', async () => {
    const model = 'faults-stuck';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({ prepareTrainingData: hang });
    const handle = await client.workflow.start(modelSupervisorWorkflow, {
      workflowId: workflowIds.supervisor(model),
      taskQueue,
      args: [{ model, policy: { ...POLICY, jobTimeout: '2s' } }],
    });
    const job = await handle.executeUpdate(requestRetrainingUpdate, {
      args: [{ reason: 'will hang', requestedBy: 'ana' }],
    });
    await new Promise((r) => setTimeout(r, 2_500));
    // Any wake reconciles; a merged request is one.
    await handle.signal(requestRetrainingSignal, { trigger: 'drift', reason: 'wake', requestedBy: 'test' });
    await waitFor('the stuck decision', async () =>
      (await status(model)).decisions.some((d) => d.kind === 'stuck' && d.detail.includes(job.workflowId)),
    );
    await handle.signal(requestRetrainingSignal, {
      trigger: 'drift',
      reason: 'wake again',
      requestedBy: 'test',
    });
    const health = await describeSupervisorHealth(client, model);
    assert.equal(health.stuckJob?.workflowId, job.workflowId);
    assert.match(health.problems.join('\n'), /past jobTimeout 2s/);
    const alerts = await waitFor('the stuck alert', async () => {
      const rows = await database.db
        .selectFrom('alerts')
        .select(['kind', 'dedupe_key'])
        .where('kind', '=', 'retraining_stuck')
        .where('dedupe_key', '=', `retraining_stuck:${job.workflowId}`)
        .execute();
      return rows.length ? rows : undefined;
    });
    assert.equal(alerts.length, 1);
    await client.workflow.getHandle(job.workflowId).terminate('test done');
    await handle.terminate('test done');
  });

  it('reconcileRetrainingJob: a timed-out job is ended as failed, a running one left alone', async () => {
    const model = 'faults-timeout';
    await seedChampion(database, { model, ...MARKET });
    await startWorker({ prepareTrainingData: hang });
    const workflowId = workflowIds.retraining(model, 1);
    const job = await client.workflow.start(retrainingWorkflow, {
      workflowId,
      taskQueue,
      args: [{ model, jobNumber: 1, trigger: 'manual', reason: 'will time out', requestedBy: 'test' }],
      workflowExecutionTimeout: '4s',
    });
    const reconcile = (id: string): Promise<JobReconciliation> =>
      new MockActivityEnvironment(undefined, { client }).run(
        createActivities({ db: database.db }).reconcileRetrainingJob,
        { workflowId: id },
      );
    await waitFor('the job row', () => jobRow(workflowId));
    assert.deepEqual(await reconcile(workflowId), { state: 'running' });
    await assert.rejects(job.result());
    const found = await reconcile(workflowId);
    assert.equal(found.state, 'closed');
    if (found.state !== 'closed') throw new Error('unreachable');
    assert.equal(found.outcome.status, 'failed');
    assert.match(found.outcome.detail, /^workflow timed out/);
    const row = await jobRow(workflowId);
    assert.equal(row?.status, 'failed');
    assert.match(
      row?.error_message ?? '',
      /^workflow timed out.*\(ended by the supervisor's reconciliation\)$/,
    );
    const missing = await reconcile(workflowIds.retraining(model, 99));
    assert.equal(missing.state === 'closed' && missing.outcome.status, 'failed', 'a job nobody can find');
  });
});
