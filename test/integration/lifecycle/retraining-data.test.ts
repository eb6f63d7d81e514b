import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRetrainingActivities } from '../../../src/activities/retraining.activities';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import { ensureModel } from '../../../src/db/repositories/model.repository';
import {
  FEATURE_SCHEMA,
  generateSyntheticMarket,
  prepareTrainingData,
  trainModelAsync,
} from '../../../src/ml';
import type { OhlcvBar } from '../../../src/ml';
import { RELAXED_GATE } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const WINDOW_BARS = 1_000;

/** Runs an activity body with an activity context (heartbeats, cancellation), as a worker would. */
function inActivity<R>(body: () => Promise<R>): Promise<R> {
  return new MockActivityEnvironment().run(body) as Promise<R>;
}
const SPLIT = { holdoutFraction: 0.2, gap: 1 };

// A retraining job prepares its data once: the activities after it (train, validate, register) and
// any retry of the preparation itself see the rows of that moment, whatever happens to the bars.
describe('retraining data, prepared once per job (real Postgres)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  const market = generateSyntheticMarket({ seed: 17, bars: 1_250 });
  const symbol = 'DATAUSD';
  const stored = market.bars.slice(0, 1_200);
  const window = stored.slice(-WINDOW_BARS);

  const toRows = (bars: readonly OhlcvBar[]) => bars.map((b) => ({ ...b, ts: new Date(b.ts) }));
  // Every other bar of the window moved by 2%: returns, and so every feature, change.
  const corrected = window.map((b, i) =>
    i % 2 === 0
      ? { ...b, open: b.open * 1.02, high: b.high * 1.02, low: b.low * 1.02, close: b.close * 1.02 }
      : b,
  );

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  async function newJob(
    model: string,
  ): Promise<{ jobId: string; activities: ReturnType<typeof createRetrainingActivities> }> {
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
      workflowId: `retraining-data-${randomUUID()}`,
      model,
      jobNumber: 1,
      trigger: 'manual',
      reason: 'test',
      requestedBy: 'test',
    });
    return { jobId, activities };
  }

  it('trains, validates and registers on the bars of the moment it prepared, even after they are corrected', async () => {
    await upsertBars(database.db, symbol, '1h', toRows(stored));
    const { jobId, activities } = await newJob('data-once');

    const prepared = await inActivity(() =>
      activities.prepareTrainingData({ jobId, windowBars: WINDOW_BARS }),
    );
    assert.deepEqual(prepared, {
      symbol,
      timeframe: '1h',
      from: window[0]!.ts,
      to: window.at(-1)!.ts,
      bars: WINDOW_BARS,
    });

    // Bars inside the window are corrected and newer ones arrive while the job runs.
    await upsertBars(database.db, symbol, '1h', toRows([...corrected, ...market.bars.slice(1_200)]));
    assert.deepEqual(
      await inActivity(() => activities.prepareTrainingData({ jobId, windowBars: WINDOW_BARS })),
      prepared,
      'a retried preparation keeps the first one',
    );

    const trained = await inActivity(() => activities.trainCandidate({ jobId, trainer: 'logreg' }));
    const original = prepareTrainingData(window, 'logistic-regression', {}, SPLIT);
    assert.equal(trained.trainRows, original.train.x.rows);
    assert.equal(trained.holdoutRows, original.holdout.x.rows);
    const expected = await trainModelAsync({
      kind: 'logistic-regression',
      x: original.train.x,
      y: original.train.y,
      featureSchema: original.train.schema,
    });
    const onCorrected = prepareTrainingData(corrected, 'logistic-regression', {}, SPLIT);
    const wouldBe = await trainModelAsync({
      kind: 'logistic-regression',
      x: onCorrected.train.x,
      y: onCorrected.train.y,
      featureSchema: onCorrected.train.schema,
    });
    assert.notDeepEqual(
      wouldBe.params,
      expected.params,
      'the correction changes what a fresh preparation trains',
    );
    const run = await database.db
      .selectFrom('training_runs')
      .select(['params'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(run.params, JSON.parse(JSON.stringify(expected.params)));

    await inActivity(() => activities.validateCandidate({ jobId }));
    const { versionId } = await inActivity(() => activities.registerCandidate({ jobId }));
    const version = await database.db
      .selectFrom('model_versions')
      .select(['training_window_start', 'training_window_end'])
      .where('version_id', '=', versionId)
      .executeTakeFirstOrThrow();
    assert.equal(version.training_window_start?.toISOString(), prepared.from);
    assert.equal(version.training_window_end?.toISOString(), prepared.to);
    const kept = await database.db
      .selectFrom('training_datasets')
      .select(['bars', 'train_rows', 'holdout_rows', 'target'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(kept, {
      bars: WINDOW_BARS,
      train_rows: original.train.x.rows,
      holdout_rows: original.holdout.x.rows,
      target: 'prob_up',
    });
  });

  it('still trains a job prepared before its data was kept, from the job window', async () => {
    const { jobId, activities } = await newJob('data-legacy');
    await inActivity(() => activities.prepareTrainingData({ jobId, windowBars: WINDOW_BARS }));
    await database.db.deleteFrom('training_datasets').where('job_id', '=', jobId).execute();
    const trained = await inActivity(() =>
      activities.trainCandidate({
        jobId,
        trainer: 'logreg',
      }),
    );
    assert.ok(trained.trainRows > 0);
  });

  it('refuses, without retrying, to train data prepared for another prediction target', async () => {
    const { jobId, activities } = await newJob('data-target');
    await inActivity(() => activities.prepareTrainingData({ jobId, windowBars: WINDOW_BARS }));
    await database.db
      .updateTable('models')
      .set({ prediction_target: 'price_change_pct' })
      .where('name', '=', 'data-target')
      .execute();
    await assert.rejects(
      inActivity(() => activities.trainCandidate({ jobId, trainer: 'gbdt' })),
      (error: unknown) =>
        error instanceof ApplicationFailure &&
        error.nonRetryable &&
        /prepared for prob_up, but a gbdt-regressor model predicts price_change_pct/.test(error.message),
    );
  });
});
