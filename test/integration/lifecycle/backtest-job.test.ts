import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import {
  createBacktestActivities,
  type BacktestHeartbeat,
  type BacktestJobInput,
} from '../../../src/activities/backtest.activities';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import type { BacktestReport } from '../../../src/lifecycle/backtest/run-backtest';
import { generateSyntheticMarket } from '../../../src/ml';
import { createGalfridayWorker } from '../../../src/workers/create-worker';
import { runCli } from '../../support/run-cli';
import { getWorkflowBundle } from '../../support/workflow-bundle';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

const INPUT: BacktestJobInput = {
  options: {
    model: 'backtest:BTJ:1h',
    symbol: 'BTJ',
    timeframe: '1h',
    initialBars: 300,
    infra: { loaded: true, p99LatencyMs: 0.1 },
    policy: { retrain: { windowBars: 300 }, cooldown: '10h' },
    baselines: ['never', 'every:5d'],
  },
};

describe('backtest as a durable job (real Postgres and Temporal)', function () {
  this.timeout(300_000);
  let database: TestDatabase;
  let dir: string;

  before(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-backtest-job-'));
    const { bars } = generateSyntheticMarket({
      seed: 3,
      bars: 1100,
      switchProbability: 0,
      regimeShift: { atBar: 650, regime: 'mean-reverting' },
    });
    await upsertBars(
      database.db,
      'BTJ',
      '1h',
      bars.map((b) => ({ ...b, ts: new Date(b.ts) })),
    );
  });
  after(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes from its heartbeat: a retry walks only the strategies not yet done, and reports the same', async () => {
    const { runBacktestJob } = createBacktestActivities({ db: database.db });
    const beats: BacktestHeartbeat[] = [];
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (d: unknown) => beats.push(JSON.parse(JSON.stringify(d)) as BacktestHeartbeat));
    const whole = (await first.run(() => runBacktestJob(INPUT))) as BacktestReport;
    // The attempt that "crashed" after walking the policy: its last heartbeat holds one strategy.
    const crashed = beats.filter((b) => b.completed.length === 1).at(-1);
    assert.ok(crashed, 'no heartbeat after the first strategy');
    assert.equal(crashed.completed[0]!.name, 'policy');
    const retryBeats: BacktestHeartbeat[] = [];
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: crashed });
    retry.on('heartbeat', (d: unknown) => retryBeats.push(d as BacktestHeartbeat));
    const resumed = (await retry.run(() => runBacktestJob(INPUT))) as BacktestReport;
    assert.ok(
      retryBeats.every((b) => b.progress.stage !== 'policy'),
      'the retry walked the policy again',
    );
    assert.ok(retryBeats.some((b) => b.progress.stage === 'never'));
    assert.equal(JSON.stringify(resumed), JSON.stringify(whole));
  });

  it('runs through the backtest worker, visible by its search attributes, and the CLI follows it', async () => {
    const stack = await getTestStack();
    const taskQueue = `bt-${Date.now()}`;
    const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const worker = await createGalfridayWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        deps: { db: database.db },
        workflowBundle: await getWorkflowBundle(),
        queues: 'main',
        retentionEveryMs: false,
        backtests: true,
      });
      const env = {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        GALFRIDAY_TASK_QUEUE: taskQueue,
        GALFRIDAY_DATA_DIR: dir,
      };
      const args = [
        'backtest',
        '--symbol',
        'BTJ',
        '--timeframe',
        '1h',
        '--initial-bars',
        '300',
        '--baseline',
        'never',
        '--json',
      ];
      const durable = await worker.runUntil(runCli(args, env));
      assert.equal(durable.code, 0, durable.stderr);
      const local = await runCli([...args, '--local'], env);
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual(
        durable.json<BacktestReport>().strategies.map((s) => [s.name, s.counts, s.overall]),
        local.json<BacktestReport>().strategies.map((s) => [s.name, s.counts, s.overall]),
      );
      const client = new Client({ connection });
      const listed = [];
      for await (const w of client.workflow.list({ query: `ModelName = 'backtest:BTJ:1h'` })) listed.push(w);
      assert.ok(listed.length >= 1, 'the backtest is not listed under its ModelName');
      const description = await client.workflow.getHandle(listed[0]!.workflowId).describe();
      assert.equal(description.status.name, 'COMPLETED');
      assert.deepEqual(description.searchAttributes.LifecycleState, ['completed']);
      assert.deepEqual(description.searchAttributes.Trigger, ['backtest']);
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });
});
