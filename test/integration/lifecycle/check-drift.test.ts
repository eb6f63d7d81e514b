import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { createSupervisorActivities } from '../../../src/activities/supervisor.activities';
import { countDriftEvents } from '../../../src/db/repositories/drift-event.repository';
import { checkDrift } from '../../../src/lifecycle/check-drift';
import type { DriftCheckSummary } from '../../../src/workflows/supervisor/supervisor-types';
import { insertLivePredictions, seedChampion } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/** Records the tables every query touches, to show what a check did not read. */
class TableLog implements KyselyPlugin {
  readonly queries: string[] = [];
  transformQuery(args: PluginTransformQueryArgs) {
    this.queries.push(JSON.stringify(args.node));
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
  touched(table: string): boolean {
    return this.queries.some((q) => q.includes(`"${table}"`));
  }
}

describe('checkDrift on real PostgreSQL', function () {
  this.timeout(240_000);
  let database: TestDatabase;
  let seeded: Awaited<ReturnType<typeof seedChampion>>;
  const model = 'cd-drift';

  before(async () => {
    database = await createTestDatabase();
    seeded = await seedChampion(database, { model, seed: 5, bars: 1300, trainBars: 900 });
    await insertLivePredictions(database, model, seeded.championVersionId, seeded.bars.slice(880));
  });
  after(async () => {
    await database?.drop();
  });

  it('an activity attempt and its retry write the drift events once, under one derived check id', async () => {
    const activities = createSupervisorActivities({ db: database.db });
    const info = {
      activityId: '7',
      scheduledTimestampMs: Date.now(),
      workflowExecution: { workflowId: `model:${model}`, runId: 'run-1' },
    };
    const input = {
      model,
      window: '2h',
      minSamples: 30,
      share: 0.5,
      performance: { enabled: false, minOutcomes: 100, alpha: 0.01 },
    };
    const heartbeats: unknown[] = [];
    const env = new MockActivityEnvironment(info);
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const first = (await env.run(activities.checkModelDrift, input)) as DriftCheckSummary;
    const retry = (await new MockActivityEnvironment(info).run(
      activities.checkModelDrift,
      input,
    )) as DriftCheckSummary;
    assert.equal(first.status, 'checked');
    assert.equal(retry.status, 'checked');
    const { driftCheckIdOf } = await import('../../../src/activities/supervisor.activities');
    const checkId = driftCheckIdOf(`model:${model}`, 'run-1', '7');
    const stored = await countDriftEvents(database.db, checkId);
    // One row per tested feature plus the dataset rows of the whole window and of its newest rows
    // (calibrated thresholds, the default), written once.
    assert.equal(stored, first.features.length + 2 + (first.predictionDrift ? 1 : 0));
    // It heartbeats while reading and between features, not only at the end.
    assert.ok(
      heartbeats.some((h) => /^read \d+ predictions$/.test(String(h))),
      JSON.stringify(heartbeats),
    );
    assert.ok(heartbeats.filter((h) => /^tested /.test(String(h))).length >= first.features.length);
    // Another activity of the same workflow is another check.
    await new MockActivityEnvironment({ ...info, activityId: '8' }).run(activities.checkModelDrift, input);
    assert.ok((await countDriftEvents(database.db, driftCheckIdOf(`model:${model}`, 'run-1', '8'))) > 0);
  });

  it('counts first: too few rows decide nothing and read neither profiles nor outcomes', async () => {
    const log = new TableLog();
    const to = new Date(Date.now() - 400 * 86_400_000);
    const result = await checkDrift(database.db.withPlugin(log), {
      model,
      source: 'predictions',
      from: new Date(to.getTime() - 3_600_000),
      to,
      minSamples: 30,
      share: 0.5,
      record: true,
      performance: { enabled: true, minOutcomes: 10, alpha: 0.01 },
    });
    assert.equal(result.status, 'insufficient-data');
    assert.equal(result.drifted, null);
    assert.match(result.reason!, /only 0 rows in the window \(need 30\)/);
    assert.ok(log.touched('predictions'));
    assert.equal(log.touched('feature_distribution_snapshots'), false);
    assert.equal(log.touched('experiment_outcomes'), false);
    assert.equal(log.touched('drift_detection_events'), false);
  });

  it('--source bars on a 44-bar window warms up from the bars before it', async () => {
    const bars = seeded.bars;
    const from = new Date(bars[1000]!.ts);
    const to = new Date(bars[1043]!.ts);
    const result = await checkDrift(database.db, {
      model,
      source: 'bars',
      from,
      to,
      minSamples: 30,
      share: 0.5,
      record: false,
    });
    assert.equal(result.status, 'checked', result.reason);
    assert.equal(result.sampleSize, 44);
    assert.equal(typeof result.drifted, 'boolean');
  });

  it('calibrates its thresholds on the training period, and fixed thresholds remain available', async () => {
    const to = new Date();
    const common = {
      model,
      source: 'predictions' as const,
      from: new Date(to.getTime() - 3 * 3_600_000),
      to,
      minSamples: 30,
      share: 0.5,
      record: false,
    };
    const calibrated = await checkDrift(database.db, common);
    assert.notEqual(calibrated.report!.thresholds, 'fixed', calibrated.thresholdNote);
    assert.ok(calibrated.report!.features.every((f) => f.thresholdSource === 'calibrated'));
    // The newest 24th of the window (at least 30 rows) is tested on its own; either scale drifts it.
    assert.equal(calibrated.recent?.rows, 30);
    assert.equal(calibrated.recent.report.testedCount, calibrated.report!.testedCount);
    assert.equal(calibrated.drifted, calibrated.report!.drifted || calibrated.recent.drifted);
    const fixed = await checkDrift(database.db, { ...common, thresholds: 'fixed' });
    assert.equal(fixed.report!.thresholds, 'fixed');
    assert.ok(fixed.report!.features.every((f) => f.thresholdSource === 'fixed'));
    assert.equal(fixed.recent, undefined);
  });
});
