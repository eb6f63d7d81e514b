import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { sql } from 'kysely';
import { getAliases } from '../../../src/db/repositories/alias.repository';
import { workflowIds } from '../../../src/temporal/shared';
import type { SupervisorPolicyInput } from '../../../src/policies/supervisor-policy';
import type { RetrainingRequest, SupervisorStatus } from '../../../src/workflows/supervisor/supervisor-types';
import {
  modelSupervisorWorkflow,
  requestRetrainingSignal,
  supervisorStatusQuery,
} from '../../../src/workflows';
import { seedChampion, startHarness, waitFor, type TemporalHarness } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/**
 * Short timings: no drift check during a test (the interval is an hour), 1,000 bars of training, and
 * a challenger experiment that nobody sends traffic to ends for futility after 3 s.
 */
const MANUAL_POLICY: SupervisorPolicyInput = {
  driftCheckInterval: '1h',
  cooldown: '1s',
  retrain: { trainer: 'logreg', windowBars: 1000 },
  challengerTraffic: 0.5,
  experiment: { analysisInterval: '1s', maxDuration: '3s', minSamplesPerVariant: 100 },
};

const MARKET = { seed: 21, bars: 3000, trainBars: 2000 };

/** Impossible to meet: a real model on a synthetic market reaches an AUC of about 0.6–0.7. */
const IMPOSSIBLE_GATE = '{"floors":[{"metric":"auc","min":0.99}],"infra":{"maxP99LatencyMs":200}}';

const TERMINAL = ['completed', 'rejected', 'failed', 'cancelled'];

describe('manual retraining through the supervisor (real Temporal, real Postgres)', function () {
  this.timeout(90_000);
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

  const supervisor = (model: string) => harness.client.workflow.getHandle(workflowIds.supervisor(model));

  /** What an operator's "retrain now" does: start the supervisor if need be, and ask it. */
  const requestManual = (model: string, request: Omit<RetrainingRequest, 'trigger'>) =>
    harness.client.workflow.signalWithStart(modelSupervisorWorkflow, {
      workflowId: workflowIds.supervisor(model),
      taskQueue: harness.taskQueue,
      args: [{ model, policy: MANUAL_POLICY }],
      signal: requestRetrainingSignal,
      signalArgs: [{ trigger: 'manual', ...request }],
    });

  const jobs = (model: string) =>
    database.db
      .selectFrom('retraining_jobs')
      .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
      .selectAll('retraining_jobs')
      .where('models.name', '=', model)
      .orderBy('job_number')
      .execute();

  /** Waits until the model's only job has ended and the supervisor has heard of it. */
  async function waitForFinishedJob(model: string) {
    const job = await waitFor(`the retraining job of ${model} to end`, async () => {
      const rows = await jobs(model);
      return rows.length > 0 && TERMINAL.includes(rows[0]!.status) ? rows[0] : undefined;
    });
    const status = await waitFor(`the supervisor of ${model} to hear that its job ended`, async () => {
      const s = await supervisor(model).query(supervisorStatusQuery);
      return s.lastOutcome && s.running === null ? s : undefined;
    });
    return { job, status };
  }

  async function retrainingWorkflowIds(model: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const wf of harness.client.workflow.list({
      query: `WorkflowType = "retrainingWorkflow" AND ModelName = "${model}"`,
    }))
      ids.push(wf.workflowId);
    return ids.sort();
  }

  async function assertNoWorkflow(workflowId: string): Promise<void> {
    await assert.rejects(
      harness.client.workflow.getHandle(workflowId).describe(),
      WorkflowNotFoundError,
      `${workflowId} must not exist`,
    );
  }

  const describeDecisions = (status: SupervisorStatus) => JSON.stringify(status.decisions, null, 1);

  it('signalWithStart with a manual request starts the supervisor and retraining job 1 (trigger manual)', async () => {
    const model = 'manual-one';
    await seedChampion(database, { model, ...MARKET });
    const handle = await requestManual(model, { reason: 'new data loaded', requestedBy: 'alice' });
    assert.equal(handle.workflowId, 'model:manual-one');

    const started = await waitFor(
      'the manual retraining job to be created',
      async () => (await jobs(model))[0],
    );
    assert.equal(started.workflow_id, 'retrain:manual-one:1');
    assert.equal(started.job_number, 1);
    assert.equal(started.trigger, 'manual');
    assert.equal(started.reason, 'new data loaded');
    assert.equal(started.requested_by, 'alice');

    const retraining = await harness.client.workflow.getHandle(workflowIds.retraining(model, 1)).describe();
    assert.equal(retraining.type, 'retrainingWorkflow');
    assert.deepEqual(retraining.searchAttributes.Trigger, ['manual']);

    const { status } = await waitForFinishedJob(model);
    assert.ok(
      status.decisions.some(
        (d) => d.kind === 'requested' && d.detail === 'manual: new data loaded (by alice)',
      ),
      describeDecisions(status),
    );
    assert.ok(
      status.decisions.some((d) => d.kind === 'started' && d.detail === 'retrain:manual-one:1 (manual)'),
      describeDecisions(status),
    );
    assert.equal(
      status.budgetLeftToday,
      3,
      'a manual retraining is not counted against the automatic budget',
    );
    await supervisor(model).terminate('test done');
  });

  it('coalesces two manual requests in quick succession into one retraining job', async () => {
    const model = 'manual-twice';
    await seedChampion(database, { model, ...MARKET });
    const first = await requestManual(model, { reason: 'first click', requestedBy: 'alice' });
    const second = await requestManual(model, { reason: 'second click', requestedBy: 'bob' });
    assert.equal(
      second.signaledRunId,
      first.signaledRunId,
      'the second signalWithStart signalled the running supervisor',
    );

    const { job, status } = await waitForFinishedJob(model);
    assert.equal(job.workflow_id, 'retrain:manual-twice:1');
    assert.equal(job.reason, 'first click');
    assert.ok(status.coalesced >= 1, `coalesced = ${status.coalesced}\n${describeDecisions(status)}`);
    assert.ok(
      status.decisions.some(
        (d) => d.kind === 'coalesced' && d.detail.startsWith('manual request (second click) merged into'),
      ),
      describeDecisions(status),
    );

    // Nothing was left pending: after the cooldown the supervisor starts no second job.
    await new Promise((r) => setTimeout(r, 2_000));
    const after = await supervisor(model).query(supervisorStatusQuery);
    assert.equal(after.pending, null, describeDecisions(after));
    assert.equal(after.running, null, describeDecisions(after));
    assert.equal((await jobs(model)).length, 1, 'exactly one retraining_jobs row');
    const listed = await waitFor('visibility to list the retraining workflow', async () => {
      const ids = await retrainingWorkflowIds(model);
      return ids.length > 0 ? ids : undefined;
    });
    assert.deepEqual(listed, ['retrain:manual-twice:1'], 'exactly one retrain: workflow');
    await assertNoWorkflow(workflowIds.retraining(model, 2));
    await supervisor(model).terminate('test done');
  });

  it('ends a candidate that fails its gate as rejected, with an alert, and keeps the champion', async () => {
    const model = 'manual-reject';
    const seeded = await seedChampion(database, { model, ...MARKET });
    await sql`UPDATE models SET gate_policy = ${IMPOSSIBLE_GATE}::jsonb WHERE name = ${model}`.execute(
      database.db,
    );
    await requestManual(model, { reason: 'try the strict gate', requestedBy: 'carol' });

    const { job, status } = await waitForFinishedJob(model);
    assert.equal(job.status, 'rejected', job.error_message ?? '');
    assert.match(job.error_message ?? '', /candidate failed validation: .*floor\.auc/);
    assert.ok(job.ended_at, 'a rejected job has an end time');
    assert.equal(job.new_version_id, null, 'a candidate that failed validation is not registered');
    assert.ok(job.performance_comparison, 'the validation metrics are kept for the operator');

    const result = await harness.client.workflow.getHandle(workflowIds.retraining(model, 1)).result();
    assert.equal(
      result.status,
      'rejected',
      'the workflow completes with a rejection; it does not fail or retry',
    );
    assert.equal(status.lastOutcome?.status, 'rejected');
    assert.equal(status.lastOutcome?.workflowId, 'retrain:manual-reject:1');

    const alert = await database.db
      .selectFrom('alerts')
      .innerJoin('models', 'models.model_id', 'alerts.model_id')
      .selectAll('alerts')
      .where('models.name', '=', model)
      .where('alerts.kind', '=', 'candidate_rejected')
      .executeTakeFirst();
    assert.ok(alert, 'a candidate_rejected alert is raised');
    assert.equal(alert.severity, 'warning');
    assert.match(alert.message, /floor\.auc/);
    assert.equal(alert.dedupe_key, `candidate_rejected:${job.job_id}`);

    const aliases = await getAliases(database.db, model);
    assert.deepEqual(
      aliases.map((a) => [a.alias, a.version, a.versionId]),
      [['champion', 1, seeded.championVersionId]],
    );
    const versions = await database.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.model_id', 'model_versions.model_id')
      .select(['model_versions.version', 'model_versions.stage'])
      .where('models.name', '=', model)
      .execute();
    assert.deepEqual(
      versions.map((v) => v.version),
      [1],
      'no version was registered',
    );
    await supervisor(model).terminate('test done');
  });
});
