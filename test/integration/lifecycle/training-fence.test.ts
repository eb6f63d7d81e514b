import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRetrainingActivities } from '../../../src/activities/retraining.activities';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import { ensureModel } from '../../../src/db/repositories/model.repository';
import { storeTrainedCandidate } from '../../../src/db/repositories/training-run.repository';
import { FEATURE_SCHEMA, generateSyntheticMarket } from '../../../src/ml';
import { RELAXED_GATE } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/** Runs an activity body as attempt `attempt` of the activity, scheduled by Temporal at `scheduledAtMs`. */
function asAttempt<R>(attempt: number, scheduledAtMs: number, body: () => Promise<R>): Promise<R> {
  return new MockActivityEnvironment({ attempt, currentAttemptScheduledTimestampMs: scheduledAtMs }).run(
    body,
  ) as Promise<R>;
}

// An attempt of trainCandidate that Temporal gave up on (its heartbeats stopped arriving) may still
// be running on a partitioned worker. When it finishes after a newer attempt trained and the
// candidate was validated, its write must change nothing.
describe('training runs fenced by attempt (real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  const symbol = 'FENCEUSD';
  const t1 = Date.parse('2026-01-01T00:00:00Z');
  const t2 = t1 + 30_000;

  before(async () => {
    database = await createTestDatabase();
    const market = generateSyntheticMarket({ seed: 23, bars: 800 });
    await upsertBars(
      database.db,
      symbol,
      '1h',
      market.bars.map((b) => ({ ...b, ts: new Date(b.ts) })),
    );
  });
  after(async () => {
    await database?.drop();
  });

  async function preparedJob(model: string) {
    await ensureModel(database.db, {
      name: model,
      predictionTarget: 'prob_up',
      featureSchema: { version: FEATURE_SCHEMA.version, names: [...FEATURE_SCHEMA.names] },
      symbol,
      timeframe: '1h',
      gatePolicy: RELAXED_GATE,
    });
    const activities = createRetrainingActivities({ db: database.db });
    const { jobId } = await activities.beginRetrainingJob({
      workflowId: `fence-${randomUUID()}`,
      model,
      jobNumber: 1,
      trigger: 'manual',
      reason: 'test',
      requestedBy: 'test',
    });
    await asAttempt(1, t1, () => activities.prepareTrainingData({ jobId, windowBars: 600 }));
    return { jobId, activities };
  }

  const runOf = (jobId: string) =>
    database.db
      .selectFrom('training_runs')
      .select(['onnx', 'params', 'iterations', 'attempt', 'attempt_scheduled_at', 'evaluation', 'gate'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();

  it('keeps the newer attempt’s candidate and evaluation when an abandoned attempt finishes late', async () => {
    const { jobId, activities } = await preparedJob('fence-late');
    // Attempt 2 (scheduled after attempt 1 timed out) trains a GBDT, and validation evaluates it.
    await asAttempt(2, t2, () => activities.trainCandidate({ jobId, trainer: 'gbdt' }));
    await asAttempt(1, t2, () => activities.validateCandidate({ jobId }));
    const validated = await runOf(jobId);
    assert.equal(validated.attempt, 2);
    assert.notEqual(validated.evaluation, null);

    // The abandoned attempt 1 completes now, with a different model.
    await asAttempt(1, t1, () => activities.trainCandidate({ jobId, trainer: 'logreg' }));
    const after = await runOf(jobId);
    assert.equal(after.attempt, 2, 'the stale attempt did not take the row');
    assert.deepEqual(after.onnx, validated.onnx, 'the validated artifact is the stored one');
    assert.deepEqual(after.evaluation, validated.evaluation, 'its evaluation was not wiped');
    assert.deepEqual(after.gate, validated.gate);
    // And registration goes ahead with what was validated.
    const { versionId } = await asAttempt(1, t2, () => activities.registerCandidate({ jobId }));
    const version = await database.db
      .selectFrom('model_versions')
      .select('trainer')
      .where('version_id', '=', versionId)
      .executeTakeFirstOrThrow();
    assert.equal(version.trainer, 'gbdt-classifier');
  });

  it('lets a newer attempt replace an older one (and clears the evaluation of the old candidate)', async () => {
    const { jobId, activities } = await preparedJob('fence-newer');
    await asAttempt(1, t1, () => activities.trainCandidate({ jobId, trainer: 'logreg' }));
    await asAttempt(1, t1, () => activities.validateCandidate({ jobId }));
    await asAttempt(2, t2, () => activities.trainCandidate({ jobId, trainer: 'gbdt' }));
    const run = await runOf(jobId);
    assert.equal(run.attempt, 2);
    assert.equal(run.attempt_scheduled_at?.getTime(), t2);
    assert.equal(run.evaluation, null, 'an evaluation of the replaced candidate no longer applies');
  });

  it('orders by scheduled time, not attempt number: a reset starts at attempt 1 and still wins', async () => {
    const { jobId } = await preparedJob('fence-reset');
    const candidate = {
      kind: 'logistic-regression' as const,
      params: { kind: 'logistic-regression' },
      onnx: new Uint8Array([1, 2, 3]),
      featureSchema: { version: 'v', names: [] },
      iterations: 1,
      resumedFrom: null,
    };
    assert.equal(
      await storeTrainedCandidate(database.db, jobId, candidate, { attempt: 4, scheduledAt: new Date(t1) }),
      true,
    );
    // The same attempt writing again (its write retried) is allowed.
    assert.equal(
      await storeTrainedCandidate(database.db, jobId, candidate, { attempt: 4, scheduledAt: new Date(t1) }),
      true,
    );
    assert.equal(
      await storeTrainedCandidate(
        database.db,
        jobId,
        { ...candidate, onnx: new Uint8Array([9]) },
        { attempt: 1, scheduledAt: new Date(t2) },
      ),
      true,
      'attempt 1 of a new run, scheduled later',
    );
    assert.equal(
      await storeTrainedCandidate(
        database.db,
        jobId,
        { ...candidate, onnx: new Uint8Array([7]) },
        { attempt: 5, scheduledAt: new Date(t1 + 1) },
      ),
      false,
      'attempt 5 of the old run, scheduled before the reset',
    );
    assert.deepEqual([...(await runOf(jobId)).onnx], [9]);
  });

  it('replaces a row written before the fence existed (no token)', async () => {
    const { jobId } = await preparedJob('fence-legacy');
    await database.db
      .insertInto('training_runs')
      .values({
        job_id: jobId,
        kind: 'logistic-regression',
        params: '{}',
        onnx: Buffer.from([0]),
        feature_schema: '{}',
        iterations: 0,
        resumed_from: null,
      })
      .execute();
    const stored = await storeTrainedCandidate(
      database.db,
      jobId,
      {
        kind: 'logistic-regression',
        params: {},
        onnx: new Uint8Array([5]),
        featureSchema: {},
        iterations: 1,
        resumedFrom: null,
      },
      { attempt: 1, scheduledAt: new Date(t1) },
    );
    assert.equal(stored, true);
    assert.deepEqual([...(await runOf(jobId)).onnx], [5]);
  });
});
