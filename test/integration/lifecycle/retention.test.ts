import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import {
  createRetentionActivities,
  type RetentionStepResult,
} from '../../../src/activities/retention.activities';
import { ensureModel } from '../../../src/db/repositories/model.repository';
import { FEATURE_SCHEMA } from '../../../src/ml';
import { ensureRetentionSchedule, retentionScheduleId } from '../../../src/workers/retention-schedule';
import { retentionWorkflow, type RetentionRunResult } from '../../../src/workflows/retention.workflow';
import { startHarness, type TemporalHarness } from '../../support/lifecycle-fixtures';
import { runCli } from '../../support/run-cli';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

/** Every key of a table, for comparing what a run left with what it should have left. */
async function keysOf(database: TestDatabase, table: string, key: string): Promise<string[]> {
  const { rows } = await sql<{
    k: string;
  }>`SELECT ${sql.ref(key)}::text AS k FROM ${sql.table(table)}`.execute(database.db);
  return rows.map((r) => r.k).sort();
}

/**
 * Rows of every table retention prunes, old and new, with the exceptions its rules keep; returns
 * the keys that must survive a run with the default ages.
 */
async function seed(database: TestDatabase) {
  const db = database.db;
  const model = await ensureModel(db, {
    name: 'retention-model',
    predictionTarget: 'prob_up',
    featureSchema: { version: FEATURE_SCHEMA.version, names: [...FEATURE_SCHEMA.names] },
  });
  const onnx = Buffer.from([1, 2, 3]);
  const versionIds: string[] = [];
  for (const version of [1, 2, 3]) {
    const { rows } = await sql<{ version_id: string }>`
      INSERT INTO model_versions (model_id, version, trainer, feature_schema, onnx, onnx_sha256, created_by)
      VALUES (${model.model_id}, ${version}, 'logistic-regression', '{}'::jsonb, ${onnx},
              ${createHash('sha256').update(onnx).digest('hex')}, 'test')
      RETURNING version_id`.execute(db);
    versionIds.push(rows[0]!.version_id);
  }
  const [v1, v2, v3] = versionIds as [string, string, string];
  await sql`INSERT INTO model_aliases (model_id, alias, version_id, updated_by)
            VALUES (${model.model_id}, 'champion', ${v2}, 'test')`.execute(db);

  const experiment = async (status: string) => {
    const id = randomUUID();
    await sql`INSERT INTO experiments (experiment_id, model_id, name, status, salt, started_at, ended_at)
      VALUES (${id}, ${model.model_id}, ${status}, ${status}, 'salt', ${daysAgo(300)},
              ${status === 'completed' ? daysAgo(250) : null})`.execute(db);
    await sql`INSERT INTO experiment_variants (experiment_id, variant, model_id, version_id, weight, is_control)
      VALUES (${id}, 'control', ${model.model_id}, ${v1}, 1, true)`.execute(db);
    return id;
  };
  // A live experiment older than every cutoff: its rows are still analysed, so all are kept.
  const live = await experiment('running');
  const ended = await experiment('completed');
  const kept: Record<string, string[]> = {};
  const keep = (table: string, id: string) => (kept[table] ??= []).push(id);

  for (const [age, expectKept] of [
    [200, false],
    [200, false],
    [200, false],
    [200, false],
    [200, false],
    [95, false],
    [60, true],
    [1, true],
  ] as const) {
    const { rows } = await sql<{ event_id: string }>`
      INSERT INTO drift_detection_events (model_id, drift_type, metric_name, method, statistic, threshold,
        is_significant, sample_size, check_id, detected_at)
      VALUES (${model.model_id}, 'data_drift', 'dataset', 'psi', 0.1, 0.2, false, 100, ${randomUUID()}, ${daysAgo(age)})
      RETURNING event_id::text`.execute(db);
    if (expectKept) keep('drift_detection_events', rows[0]!.event_id);
  }

  for (const [age, experimentId, expectKept] of [
    [120, null, false],
    [120, null, false],
    [120, ended, false],
    [120, live, true],
    [10, null, true],
    [10, ended, true],
  ] as const) {
    const id = randomUUID();
    await sql`INSERT INTO predictions (prediction_id, model_id, version_id, experiment_id, variant, unit_id,
        features, output, created_at)
      VALUES (${id}, ${model.model_id}, ${v1}, ${experimentId}, ${experimentId === null ? null : 'control'},
              'unit', '{1,2}', 0.5, ${daysAgo(age)})`.execute(db);
    if (expectKept) keep('predictions', id);
    if (experimentId !== null) {
      const assignment = randomUUID();
      await sql`INSERT INTO experiment_assignments (assignment_id, experiment_id, variant, unit_id, assigned_at)
        VALUES (${assignment}, ${experimentId}, 'control', 'unit', ${daysAgo(age)})`.execute(db);
      if (expectKept) keep('experiment_assignments', assignment);
    }
  }

  for (const [age, experimentId, expectKept] of [
    [200, null, false],
    [200, ended, false],
    [200, live, true],
    [100, null, true],
  ] as const) {
    const id = randomUUID();
    await sql`INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, experiment_id, variant,
        correct, prediction_at, recorded_at)
      VALUES (${id}, ${model.model_id}, ${v1}, ${experimentId}, ${experimentId === null ? null : 'control'},
              true, ${daysAgo(age)}, ${daysAgo(age)})`.execute(db);
    if (expectKept) keep('experiment_outcomes', id);
  }

  // Unmatched outcomes go by age whether matched or not.
  for (const [age, matched, expectKept] of [
    [200, false, false],
    [200, true, false],
    [100, false, true],
  ] as const) {
    const id = randomUUID();
    await sql`
      INSERT INTO unmatched_outcomes (prediction_id, correct, reason, received_at, matched_at, matched_as_duplicate)
      VALUES (${id}, true, 'no_prediction', ${daysAgo(age)}, ${matched ? daysAgo(age) : null},
              ${matched ? false : null})`.execute(db);
    if (expectKept) keep('unmatched_outcomes', id);
  }

  for (const [age, acknowledgedAge, expectKept] of [
    [300, 200, false],
    [300, null, true],
    [300, 10, true],
  ] as const) {
    const { rows } = await sql<{ alert_id: string }>`
      INSERT INTO alerts (severity, kind, model_id, message, created_at, acknowledged_at, acknowledged_by)
      VALUES ('warning', 'test', ${model.model_id}, 'm', ${daysAgo(age)},
              ${acknowledgedAge === null ? null : daysAgo(acknowledgedAge)},
              ${acknowledgedAge === null ? null : 'ops'})
      RETURNING alert_id::text`.execute(db);
    if (expectKept) keep('alerts', rows[0]!.alert_id);
  }

  let jobNumber = 0;
  for (const job of [
    // ended long ago, its version no longer in use: both tables pruned
    { endedAge: 200, version: v1, run: false, dataset: false },
    // ended long ago, but its version is the champion: the dataset is lineage, kept
    { endedAge: 200, version: v2, run: false, dataset: true },
    // ended long ago without a version (rejected)
    { endedAge: 200, version: null, run: false, dataset: false },
    // ended 40 days ago: the work area goes, the dataset stays
    { endedAge: 40, version: v3, run: false, dataset: true },
    // ended recently
    { endedAge: 5, version: null, run: true, dataset: true },
    // still running
    { endedAge: null, version: null, run: true, dataset: true },
  ]) {
    const { rows } = await sql<{ job_id: string }>`
      INSERT INTO retraining_jobs (model_id, job_number, trigger, status, new_version_id, created_at, ended_at)
      VALUES (${model.model_id}, ${++jobNumber}, 'manual', ${job.endedAge === null ? 'running' : 'completed'},
              ${job.version}, ${daysAgo(300)}, ${job.endedAge === null ? null : daysAgo(job.endedAge)})
      RETURNING job_id`.execute(db);
    const jobId = rows[0]!.job_id;
    await sql`INSERT INTO training_runs (job_id, kind, params, onnx, feature_schema, iterations)
      VALUES (${jobId}, 'logistic-regression', '{}'::jsonb, ${onnx}, '{}'::jsonb, 1)`.execute(db);
    await sql`INSERT INTO training_datasets (job_id, target, bars, window_start, window_end, train_rows,
        holdout_rows, payload)
      VALUES (${jobId}, 'prob_up', 10, ${daysAgo(400)}, ${daysAgo(399)}, 8, 2, ${onnx})`.execute(db);
    if (job.run) keep('training_runs', jobId);
    if (job.dataset) keep('training_datasets', jobId);
  }
  return Object.fromEntries(Object.entries(kept).map(([t, ids]) => [t, ids.sort()]));
}

const TABLES: Array<[string, string]> = [
  ['drift_detection_events', 'event_id'],
  ['predictions', 'prediction_id'],
  ['experiment_assignments', 'assignment_id'],
  ['experiment_outcomes', 'prediction_id'],
  ['unmatched_outcomes', 'prediction_id'],
  ['alerts', 'alert_id'],
  ['training_runs', 'job_id'],
  ['training_datasets', 'job_id'],
];

async function snapshot(database: TestDatabase) {
  const all: Record<string, string[]> = {};
  for (const [table, key] of TABLES) all[table] = await keysOf(database, table, key);
  return all;
}

describe('retention (real Temporal, real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let harness: TemporalHarness;

  before(async () => {
    database = await createTestDatabase();
    harness = await startHarness(database);
    await ensureModel(database.db, {
      name: 'retention-model',
      predictionTarget: 'prob_up',
      featureSchema: { version: FEATURE_SCHEMA.version, names: [...FEATURE_SCHEMA.names] },
    });
  });
  after(async () => {
    await harness?.close();
    await database?.drop();
  });

  const run = (input: { dryRun?: boolean; batchSize?: number }) =>
    harness.client.workflow.execute(retentionWorkflow, {
      taskQueue: harness.taskQueue,
      workflowId: `retention-test-${randomUUID()}`,
      args: [input],
    });

  it('counts in a dry run, then removes exactly the rows older than their age, in bounded batches', async () => {
    const expectedKept = await seed(database);
    const before = await snapshot(database);
    const expectedRemoved = Object.fromEntries(
      TABLES.map(([t]) => [t, before[t]!.length - (expectedKept[t]?.length ?? 0)]),
    );

    const dry = await run({ dryRun: true, batchSize: 2 });
    assert.equal(dry.dryRun, true);
    assert.deepEqual(Object.fromEntries(dry.steps.map((s) => [s.table, s.rows])), expectedRemoved);
    assert.deepEqual(await snapshot(database), before, 'a dry run deletes nothing');

    const handle = harness.client.workflow.getHandle((await startRun({ batchSize: 2 })).workflowId);
    const done: RetentionRunResult = await handle.result();
    assert.equal(done.dryRun, false);
    assert.deepEqual(Object.fromEntries(done.steps.map((s) => [s.table, s.rows])), expectedRemoved);
    assert.equal(
      done.totalRows,
      Object.values(expectedRemoved).reduce((a, b) => a + b, 0),
    );
    const drift = done.steps.find((s) => s.table === 'drift_detection_events')!;
    assert.equal(drift.batches, 4, '6 old events in batches of 2: three full batches and an empty one');
    const after = await snapshot(database);
    for (const [table] of TABLES) assert.deepEqual(after[table], expectedKept[table] ?? [], table);

    // The counts are visible in the Temporal UI: the memo of the run.
    const description = await handle.describe();
    assert.deepEqual((description.memo as { removed: Record<string, number> }).removed, expectedRemoved);

    const again = await run({});
    assert.equal(again.totalRows, 0, 'a second run finds nothing more');

    async function startRun(input: { batchSize: number }) {
      return harness.client.workflow.start(retentionWorkflow, {
        taskQueue: harness.taskQueue,
        workflowId: `retention-test-${randomUUID()}`,
        args: [input],
      });
    }
  });

  it('heartbeats after every batch, and a retried activity carries on after the last batch', async () => {
    const { rows } = await sql<{ event_id: string }>`
      INSERT INTO drift_detection_events (model_id, drift_type, metric_name, method, statistic, threshold,
        is_significant, sample_size, check_id, detected_at)
      SELECT model_id, 'data_drift', 'dataset', 'psi', 0.1, 0.2, false, 100, gen_random_uuid(), now() - interval '300 days'
      FROM models, generate_series(1, 7) WHERE name = 'retention-model'
      RETURNING event_id::text`.execute(database.db);
    const ids = rows.map((r) => r.event_id).sort((a, b) => Number(a) - Number(b));
    const activities = createRetentionActivities({ db: database.db });
    const { steps } = await activities.planRetention({ batchSize: 2 });
    const step = steps.find((s) => s.target === 'drift_events')!;
    // A previous attempt removed the first 3 (two batches) and heartbeated where it stopped.
    await sql`DELETE FROM drift_detection_events WHERE event_id <= ${ids[2]!}::bigint`.execute(database.db);
    const env = new MockActivityEnvironment({
      heartbeatDetails: { rows: 3, batches: 2, after: ids[2] },
    });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(structuredClone(details)));
    const result = (await env.run(() =>
      activities.pruneRetentionTarget({ step, dryRun: false }),
    )) as RetentionStepResult;
    assert.equal(result.rows, 7, '3 before the retry and 4 by it');
    assert.equal(result.batches, 5, 'two before, then 2 + 2 + an empty one');
    assert.deepEqual(
      beats.map((b) => (b as { rows: number }).rows),
      [5, 7, 7],
      'one heartbeat per batch',
    );
    assert.equal((beats.at(-1) as { after: string }).after, ids[6]);
    assert.deepEqual(
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM drift_detection_events WHERE event_id = ANY(${ids}::bigint[])`
        .execute(database.db)
        .then((r) => r.rows[0]!.n),
      0,
    );
  });

  it('keeps its schedule from worker start, and re-creating it is a no-op', async () => {
    // The harness's worker was created with the default settings (GALFRIDAY_RETENTION_EVERY=1d).
    const handle = harness.client.schedule.getHandle(retentionScheduleId(harness.taskQueue));
    const first = await handle.describe();
    assert.deepEqual(
      first.spec.intervals?.map((i) => i.every),
      [DAY],
    );
    assert.equal(first.action.type, 'startWorkflow');
    assert.equal(first.action.workflowType, 'retentionWorkflow');
    assert.equal(first.action.taskQueue, harness.taskQueue);

    const options = { taskQueue: harness.taskQueue, everyMs: DAY };
    assert.equal(await ensureRetentionSchedule(harness.client, options), 'unchanged');
    const second = await handle.describe();
    assert.equal(second.info.createdAt.getTime(), first.info.createdAt.getTime());
    assert.equal(second.info.lastUpdatedAt?.getTime(), first.info.lastUpdatedAt?.getTime(), 'not updated');

    assert.equal(
      await ensureRetentionSchedule(harness.client, { ...options, everyMs: 6 * 3_600_000 }),
      'updated',
    );
    assert.deepEqual(
      (await handle.describe()).spec.intervals?.map((i) => i.every),
      [6 * 3_600_000],
    );
    assert.equal(await ensureRetentionSchedule(harness.client, { ...options, everyMs: null }), 'deleted');
    assert.equal(await ensureRetentionSchedule(harness.client, { ...options, everyMs: null }), 'absent');
    assert.equal(await ensureRetentionSchedule(harness.client, options), 'created');
  });

  it('`galfriday retention run --dry-run --json` reports the counts and removes nothing', async () => {
    const stack = await getTestStack();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-retention-cli-'));
    try {
      await sql`INSERT INTO drift_detection_events (model_id, drift_type, metric_name, method, statistic,
          threshold, is_significant, sample_size, check_id, detected_at)
        SELECT model_id, 'data_drift', 'dataset', 'psi', 0.1, 0.2, false, 100, gen_random_uuid(), now() - interval '400 days'
        FROM models WHERE name = 'retention-model'`.execute(database.db);
      const stored = (await keysOf(database, 'drift_detection_events', 'event_id')).length;
      const env = {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        GALFRIDAY_TASK_QUEUE: harness.taskQueue,
        GALFRIDAY_DATA_DIR: dataDir,
      };
      const dry = await runCli(['retention', 'run', '--dry-run', '--json'], env);
      assert.equal(dry.code, 0, dry.stderr);
      const report = dry.json<RetentionRunResult & { workflowId: string }>();
      assert.equal(report.dryRun, true);
      assert.equal(report.steps.find((s) => s.table === 'drift_detection_events')?.rows, 1);
      assert.equal((await keysOf(database, 'drift_detection_events', 'event_id')).length, stored);

      const human = await runCli(['retention', 'run'], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /^Removed 1 rows/);
      assert.match(human.stdout, /drift_detection_events\s+1\s+older than/);
      assert.equal((await keysOf(database, 'drift_detection_events', 'event_id')).length, stored - 1);

      const bad = await runCli(['retention', 'run', '--batch-size', 'lots'], env);
      assert.equal(bad.code, 2);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
