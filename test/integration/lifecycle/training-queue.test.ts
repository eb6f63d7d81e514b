import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { trainingTaskQueue } from '../../../src/temporal/task-queues';
import { createGalfridayWorker, GalfridayWorker } from '../../../src/workers/create-worker';
import { retrainingWorkflow } from '../../../src/workflows';
import { seedChampion } from '../../support/lifecycle-fixtures';
import { getTestStack, createTestDatabase, type TestDatabase } from '../../support/test-stack';
import { getWorkflowBundle } from '../../support/workflow-bundle';

/** Impossible to meet, so the job ends at validation, right after training. */
const IMPOSSIBLE_GATE = '{"floors":[{"metric":"auc","min":0.99}],"infra":{"maxP99LatencyMs":200}}';

// Training runs on `<queue>-training`: workers of the main queue alone never train, a worker of
// the training queue does, and by default one process runs both.
describe('training on its own task queue (real Temporal, real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let native: NativeConnection;
  let connection: Connection;
  let client: Client;
  const running: Array<{ worker: Worker; done: Promise<void> }> = [];

  const start = (worker: Worker) => {
    running.push({ worker, done: worker.run() });
    return worker;
  };

  before(async () => {
    database = await createTestDatabase();
    const stack = await getTestStack();
    native = await NativeConnection.connect({ address: stack.temporalAddress });
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection });
  });
  after(async () => {
    for (const { worker } of running) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(running.map((r) => r.done));
    await native?.close();
    await connection?.close();
    await database?.drop();
  });

  async function rejectedModel(model: string, seed: number) {
    await seedChampion(database, { model, seed, bars: 2000, trainBars: 1500 });
    await sql`UPDATE models SET gate_policy = ${IMPOSSIBLE_GATE}::jsonb WHERE name = ${model}`.execute(
      database.db,
    );
  }

  const scheduledQueues = async (workflowId: string) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'trainCandidate')
      .map((a) => a!.taskQueue?.name);
  };

  it('schedules trainCandidate on <queue>-training, which only a training worker serves', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const model = 'queue-split';
    await rejectedModel(model, 31);
    start(
      await createGalfridayWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        deps: { db: database.db },
        workflowBundle: await getWorkflowBundle(),
        queues: 'main',
        retentionEveryMs: false,
      }),
    );
    const workflowId = `retrain:${model}:1`;
    const handle = await client.workflow.start(retrainingWorkflow, {
      taskQueue,
      workflowId,
      args: [
        { model, jobNumber: 1, trigger: 'manual', reason: 'test', requestedBy: 'test', windowBars: 1000 },
      ],
    });
    // Only the main queue is served: the training is scheduled, on the training queue, and waits.
    const deadline = Date.now() + 20_000;
    while ((await scheduledQueues(workflowId)).length === 0) {
      assert.ok(Date.now() < deadline, 'trainCandidate was never scheduled');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(await scheduledQueues(workflowId), [trainingTaskQueue(taskQueue)]);
    await new Promise((r) => setTimeout(r, 3_000));
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    assert.deepEqual(
      pending.map((p) => [p.activityType?.name, String(p.state)]),
      [['trainCandidate', '1']],
      'scheduled, not started: no worker polls the training queue yet',
    );

    // A training-only worker (GALFRIDAY_WORKER_QUEUES=training) picks it up; the job then ends.
    start(
      await createGalfridayWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        deps: { db: database.db },
        queues: 'training',
        trainingConcurrency: 2,
      }),
    );
    const result = await handle.result();
    assert.equal(result.status, 'rejected', result.detail);
  });

  it('runs a training worker in the same process by default, capped and with a shutdown grace', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createGalfridayWorker({
      connection: native,
      namespace: 'default',
      taskQueue,
      deps: { db: database.db },
      workflowBundle: await getWorkflowBundle(),
      trainingConcurrency: 3,
      retentionEveryMs: false,
    });
    assert.ok(worker instanceof GalfridayWorker);
    const training = worker.trainingWorker!;
    assert.equal(training.options.taskQueue, trainingTaskQueue(taskQueue));
    assert.equal(worker.options.shutdownGraceTimeMs, 30_000);
    assert.equal(training.options.shutdownGraceTimeMs, 30_000);
    assert.deepEqual(
      (training.options as unknown as { tuner: { activityTaskSlotSupplier: unknown } }).tuner
        .activityTaskSlotSupplier,
      { type: 'fixed-size', numSlots: 3 },
    );
    start(worker);

    const model = 'queue-default';
    await rejectedModel(model, 37);
    const workflowId = `retrain:${model}:1`;
    const result = await client.workflow.execute(retrainingWorkflow, {
      taskQueue,
      workflowId,
      args: [
        { model, jobNumber: 1, trigger: 'manual', reason: 'test', requestedBy: 'test', windowBars: 1000 },
      ],
    });
    assert.equal(result.status, 'rejected', result.detail);
    assert.deepEqual(await scheduledQueues(workflowId), [trainingTaskQueue(taskQueue)]);
    // Stopping the process's worker stops its training worker too.
    worker.shutdown();
    await running.at(-1)!.done;
    assert.equal(training.getState(), 'STOPPED');
  });

  it('lets a training in flight finish when its worker is stopped (a rolling restart costs no attempt)', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const model = 'queue-grace';
    await rejectedModel(model, 41);
    // The worker is stopped the moment the training starts: in flight by construction, however fast
    // it trains (polling describe() for a started activity missed trainings that ended between polls).
    let trainingStarted!: () => void;
    const trainingBegan = new Promise<void>((resolve) => (trainingStarted = resolve));
    const worker = start(
      await createGalfridayWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        deps: { db: database.db },
        workflowBundle: await getWorkflowBundle(),
        retentionEveryMs: false,
        interceptors: {
          activity: [
            (ctx) => ({
              inbound: {
                execute: (input, next) => {
                  if (ctx.info.activityType === 'trainCandidate') trainingStarted();
                  return next(input);
                },
              },
            }),
          ],
        },
      }),
    );
    const workflowId = `retrain:${model}:1`;
    const handle = await client.workflow.start(retrainingWorkflow, {
      taskQueue,
      workflowId,
      args: [
        {
          model,
          jobNumber: 1,
          trigger: 'manual',
          reason: 'test',
          requestedBy: 'test',
          windowBars: 1500,
          trainer: 'gbdt',
        },
      ],
    });
    // Preparing the data comes first; under the full suite's load on 2 cores that has taken over 30 s.
    await Promise.race([
      trainingBegan,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('trainCandidate never started within 90 s')), 90_000),
      ),
    ]);
    worker.shutdown();
    await running.at(-1)!.done;
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainCandidate',
    )!;
    const started = events.find(
      (e) =>
        e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
    );
    const completed = events.find(
      (e) =>
        e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() ===
        scheduled.eventId?.toString(),
    );
    assert.ok(
      completed,
      'the training completed within the grace instead of being cancelled by the shutdown',
    );
    assert.equal(started?.activityTaskStartedEventAttributes?.attempt, 1);
    await handle.terminate('test over');
  });
});
