import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { decodeTimeoutType, defaultPayloadConverter } from '@temporalio/common';
import type { TrainingHeartbeat } from '../../../src/activities/retraining.activities';
import { getAliases } from '../../../src/db/repositories/alias.repository';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import { ensureModel } from '../../../src/db/repositories/model.repository';
import { getArtifact } from '../../../src/db/repositories/version.repository';
import {
  FEATURE_SCHEMA,
  generateSyntheticMarket,
  prepareTrainingData,
  trainModelAsync,
} from '../../../src/ml';
import { workflowIds } from '../../../src/temporal/shared';
import { retrainingWorkflow } from '../../../src/workflows';
import { RELAXED_GATE, waitFor } from '../../support/lifecycle-fixtures';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';
import { getWorkflowBundle } from '../../support/workflow-bundle';
import { startWorkerProcess, writeBundle, type WorkerProcess } from '../../support/worker-process';

/**
 * Enough bars that gradient boosting runs for seconds (about 50 ms a tree on ~80,000 training rows,
 * up to 100 trees): the first checkpoint heartbeat goes out at the first tree, and the worker is
 * killed long before the last. More bars are stored than the window takes, so the test also checks
 * that the job trains on the newest `WINDOW_BARS` bars.
 */
const WINDOW_BARS = 100_000;
const STORED_BARS = WINDOW_BARS + 500;
const MARKET_SEED = 5;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('a worker killed during training (real Temporal, real Postgres, worker in a child process)', function () {
  // The retry starts when the 20 s heartbeat timeout notices the dead worker.
  this.timeout(180_000);
  let database: TestDatabase;
  let connection: Connection;
  let client: Client;
  let bundleDir: string;
  let bundlePath: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    const stack = await getTestStack();
    database = await createTestDatabase();
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection });
    bundleDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-worker-crash-'));
    bundlePath = await writeBundle(
      (await getWorkflowBundle()).code,
      path.join(bundleDir, 'workflow-bundle.js'),
    );
  });
  after(async () => {
    for (const worker of workers) await worker.stop().catch(() => worker.kill());
    await connection?.close();
    await database?.drop();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  async function startWorker(taskQueue: string): Promise<WorkerProcess> {
    const stack = await getTestStack();
    const worker = await startWorkerProcess({
      databaseUrl: database.url,
      temporalAddress: stack.temporalAddress,
      taskQueue,
      bundlePath,
    });
    workers.push(worker);
    return worker;
  }

  /** The heartbeat the server holds for the pending trainCandidate activity, if any. */
  async function pendingTrainingHeartbeat(
    handle: WorkflowHandle,
  ): Promise<{ attempt: number; heartbeat: TrainingHeartbeat } | undefined> {
    const { raw } = await handle.describe();
    const training = raw.pendingActivities?.find((a) => a.activityType?.name === 'trainCandidate');
    const payload = training?.heartbeatDetails?.payloads?.[0];
    if (!training || !payload) return undefined;
    return {
      attempt: training.attempt ?? 0,
      heartbeat: defaultPayloadConverter.fromPayload<TrainingHeartbeat>(payload),
    };
  }

  it('resumes from the last heartbeated checkpoint on a new worker and registers the model an uninterrupted run trains', async () => {
    const model = 'crash-gbdt';
    const symbol = 'CRASHGBDT';
    const taskQueue = `test-crash-${randomUUID()}`;
    const market = generateSyntheticMarket({
      seed: MARKET_SEED,
      bars: STORED_BARS,
      intervalMinutes: 60,
      switchProbability: 0,
      initialRegime: 'trending',
    });
    await ensureModel(database.db, {
      name: model,
      predictionTarget: 'prob_up',
      featureSchema: { version: FEATURE_SCHEMA.version, names: [...FEATURE_SCHEMA.names] },
      symbol,
      timeframe: '1h',
      gatePolicy: RELAXED_GATE,
    });
    await upsertBars(
      database.db,
      symbol,
      '1h',
      market.bars.map((b) => ({ ...b, ts: new Date(b.ts) })),
    );

    // The model an uninterrupted run trains: the activity's pure training on the newest WINDOW_BARS bars.
    const uninterruptedStartedAt = Date.now();
    const data = prepareTrainingData(
      market.bars.slice(-WINDOW_BARS),
      'gbdt-classifier',
      {},
      { holdoutFraction: 0.2, gap: 1 },
    );
    let uninterruptedIterations = 0;
    const uninterrupted = await trainModelAsync(
      { kind: 'gbdt-classifier', x: data.train.x, y: data.train.y, featureSchema: data.train.schema },
      { onProgress: (p) => (uninterruptedIterations = p.iteration) },
    );
    const uninterruptedMs = Date.now() - uninterruptedStartedAt;
    assert.ok(
      uninterruptedIterations > 5,
      `training must run several iterations to be interrupted (ran ${uninterruptedIterations})`,
    );

    const first = await startWorker(taskQueue);
    const handle = await client.workflow.start(retrainingWorkflow, {
      workflowId: workflowIds.retraining(model, 1),
      taskQueue,
      args: [
        {
          model,
          jobNumber: 1,
          trigger: 'manual',
          reason: 'worker-crash test',
          requestedBy: 'test',
          trainer: 'gbdt',
          windowBars: WINDOW_BARS,
        },
      ],
    });

    // Wait for the first checkpoint to reach the server, then kill the worker mid-training.
    const beforeKill = await waitFor(
      'trainCandidate to heartbeat a checkpoint',
      () => pendingTrainingHeartbeat(handle),
      90_000,
      100,
    );
    const job = await database.db
      .selectFrom('retraining_jobs')
      .selectAll()
      .where('workflow_id', '=', handle.workflowId)
      .executeTakeFirstOrThrow();
    const runBeforeKill = await database.db
      .selectFrom('training_runs')
      .select('job_id')
      .where('job_id', '=', job.job_id)
      .executeTakeFirst();
    await first.kill();
    assert.equal(
      runBeforeKill,
      undefined,
      `training had already finished when the worker was killed (uninterrupted training takes ${uninterruptedMs} ms)`,
    );
    assert.equal(beforeKill.attempt, 1);
    assert.ok(beforeKill.heartbeat.iteration >= 1, 'the heartbeat names the iteration of its checkpoint');
    assert.ok(beforeKill.heartbeat.checkpoint, 'the heartbeat carries a checkpoint');
    assert.equal(await first.exited, 'SIGKILL');

    // A new worker takes over once the heartbeat timeout has declared the first attempt dead.
    await startWorker(taskQueue);
    const result = await handle.result();
    assert.equal(result.status, 'completed', result.detail);
    assert.equal(result.promotedVersion, 1, 'the first version of the model becomes champion');

    const run = await database.db
      .selectFrom('training_runs')
      .selectAll()
      .where('job_id', '=', job.job_id)
      .executeTakeFirstOrThrow();
    assert.notEqual(run.resumed_from, null, 'the retry resumed from a checkpoint instead of starting over');
    assert.equal(
      run.resumed_from,
      beforeKill.heartbeat.iteration,
      'it resumed from the checkpoint the killed worker heartbeated',
    );
    assert.equal(run.kind, 'gbdt-classifier');

    const finishedJob = await database.db
      .selectFrom('retraining_jobs')
      .selectAll()
      .where('job_id', '=', job.job_id)
      .executeTakeFirstOrThrow();
    assert.equal(finishedJob.status, 'completed');
    assert.equal(
      finishedJob.data_window_start?.toISOString(),
      market.bars.at(-WINDOW_BARS)!.ts,
      'the job trained on the newest WINDOW_BARS bars',
    );
    assert.equal(finishedJob.data_window_end?.toISOString(), market.bars.at(-1)!.ts);

    // The resumed model is the uninterrupted one, byte for byte, in the work area and in the registry.
    assert.equal(
      sha256(run.onnx),
      sha256(uninterrupted.onnx),
      'the resumed training produced a different model than an uninterrupted run',
    );
    const champion = (await getAliases(database.db, model)).find((a) => a.alias === 'champion');
    assert.ok(champion, 'the model has a champion');
    assert.equal(champion.versionId, finishedJob.new_version_id);
    assert.equal(sha256(await getArtifact(database.db, champion.versionId)), sha256(uninterrupted.onnx));

    // History shows the retry: the activity that completed is attempt 2 or later.
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainCandidate',
    );
    assert.equal(
      scheduled.length,
      1,
      'one trainCandidate activity, retried by the server (not rescheduled by the workflow)',
    );
    const scheduledId = String(scheduled[0]!.eventId);
    const started = events.filter(
      (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === scheduledId,
    );
    assert.equal(started.length, 1);
    const attempt = started[0]!.activityTaskStartedEventAttributes!.attempt ?? 0;
    assert.ok(
      attempt > 1,
      `trainCandidate completed on attempt ${attempt}; the killed attempt must have been retried`,
    );
    const lastFailure = started[0]!.activityTaskStartedEventAttributes!.lastFailure;
    assert.equal(
      decodeTimeoutType(lastFailure?.timeoutFailureInfo?.timeoutType),
      'HEARTBEAT',
      'the killed attempt ended by heartbeat timeout',
    );
    assert.ok(
      events.some(
        (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === scheduledId,
      ),
      'the retried attempt completed',
    );
  });
});
