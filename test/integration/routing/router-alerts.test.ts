import assert from 'node:assert/strict';
import pg from 'pg';
import { acknowledgeAlert, raiseAlert, type NewAlert } from '../../../src/db/repositories/alert.repository';
import { RouterAlerts } from '../../../src/routing/service/alerts/router-alerts';
import { createRouterLogger } from '../../../src/routing/service/observability/router-logger';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  featuresFor,
  seedModel,
  startExperiment,
  startTestRouter,
  waitFor,
  type TestRouter,
} from './support/routing-fixtures';

const alert = (dedupeKey: string): NewAlert => ({
  severity: 'warning',
  kind: 'test_condition',
  modelId: null,
  experimentId: null,
  message: 'something is wrong',
  details: {},
  dedupeKey,
});

async function alertsOf(database: TestDatabase, kind: string) {
  return database.db.selectFrom('alerts').selectAll().where('kind', '=', kind).orderBy('alert_id').execute();
}

describe('alerts: deduplicated against open alerts, raised again once closed', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let router: TestRouter | undefined;
  let locker: pg.Client | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await locker?.end().catch(() => undefined);
    await router?.close();
    router = locker = undefined;
    await database.drop();
  });

  it('stores a condition again after its alert was acknowledged, an event only once ever', async () => {
    const { db } = database;
    assert.equal(await raiseAlert(db, alert('c'), 'condition'), true);
    assert.equal(await raiseAlert(db, alert('c'), 'condition'), false, 'still open');
    const [first] = await alertsOf(database, 'test_condition');
    assert.deepEqual(await acknowledgeAlert(db, first!.alert_id, 'test'), { outcome: 'acknowledged' });
    assert.deepEqual(await acknowledgeAlert(db, first!.alert_id, 'other'), {
      outcome: 'already',
      by: 'test',
    });
    assert.deepEqual(await acknowledgeAlert(db, '999999', 'other'), { outcome: 'missing' });
    assert.equal(await raiseAlert(db, alert('c'), 'condition'), true, 'the condition came back');
    assert.equal(await raiseAlert(db, alert('c'), 'condition'), false);

    assert.equal(await raiseAlert(db, alert('e'), 'event'), true);
    const events = await alertsOf(database, 'test_condition');
    await acknowledgeAlert(db, events.at(-1)!.alert_id, 'test');
    assert.equal(await raiseAlert(db, alert('e'), 'event'), false, 'a retried activity after the ack');
    assert.equal((await alertsOf(database, 'test_condition')).length, 3);

    // Concurrent raises of one open condition are one row (the partial unique index).
    const results = await Promise.all(
      Array.from({ length: 8 }, () => raiseAlert(db, alert('race'), 'condition')),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });

  it("the router's alerts keep nothing in memory that would hide a condition that came back", async () => {
    const alerts = new RouterAlerts(
      database.db,
      createRouterLogger('error', () => undefined),
    );
    try {
      alerts.raise(alert('router:broken:1'));
      await alerts.settle();
      alerts.raise(alert('router:broken:1'));
      await alerts.settle();
      let rows = await alertsOf(database, 'test_condition');
      assert.equal(rows.length, 1, 'one open alert however often it is raised');
      await acknowledgeAlert(database.db, rows[0]!.alert_id, 'test');
      alerts.raise(alert('router:broken:1'));
      await alerts.settle();
      rows = await alertsOf(database, 'test_condition');
      assert.equal(rows.length, 2, 'raised again after the first was closed');
      assert.equal(rows[1]!.acknowledged_at, null);
    } finally {
      alerts.stop();
    }
  });

  it('says that a broken champion fails requests, and that a broken arm is served by the champion', async () => {
    await seedModel(database.db, { name: 'broken-champion', versions: 1, champion: 1, broken: [1] });
    const model = await seedModel(database.db, { versions: 2, champion: 1, failsToRun: [2] });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0, isControl: true },
        { variant: 'nan', version: 2, weight: 1 },
      ],
    });
    router = await startTestRouter(database.url);
    const failed = await router.post('/v1/predict', {
      model: 'broken-champion',
      unitId: 'u',
      features: featuresFor(1),
    });
    assert.equal(failed.status, 503);
    // A run failure marks a version broken only once runs on 3 different inputs failed (one input
    // that trips a model must not take it out of service); each failed run is served by the champion.
    for (const input of [1, 2, 3]) {
      const served = await router.post('/v1/predict', {
        model: 'btc-1h',
        unitId: 'u',
        features: featuresFor(input),
      });
      assert.equal(served.body.version, 1);
    }
    const rows = await waitFor(async () => {
      const found = await alertsOf(database, 'model_version_broken');
      return found.length === 2 ? found : undefined;
    });
    const byModel = new Map(rows.map((r) => [r.message.match(/of "([^"]+)"/)![1], r.message]));
    const champion = byModel.get('broken-champion')!;
    assert.match(
      champion,
      /^version 1 of "broken-champion" failed to load; it is the champion: requests it serves fail with 503/,
    );
    assert.doesNotMatch(champion, /served by the champion/);
    assert.match(
      byModel.get('btc-1h')!,
      /^version 2 of "btc-1h" failed to run; requests routed to it are served by the champion \(version 1\) instead \(it is experiment arm "nan"\)$/,
    );
  });

  it('raises one rate-limited alert with the count when a batched log drops rows', async () => {
    await seedModel(database.db, { versions: 1, champion: 1 });
    router = await startTestRouter(database.url, {
      tuning: { maxBufferedRows: 100, maxBatchRows: 50 },
      env: { GALFRIDAY_FLUSH_INTERVAL: '20ms' },
    });
    locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE');
    for (let start = 0; start < 250; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          router!.post('/v1/predict', { model: 'btc-1h', unitId: `u${start + k}`, features: featuresFor(k) }),
        ),
      );
    }
    const [dropped] = await waitFor(async () => {
      const found = await alertsOf(database, 'log_rows_dropped');
      return found.length > 0 ? found : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const all = await alertsOf(database, 'log_rows_dropped');
    assert.equal(all.length, 1, 'at most one alert per period, not one per dropped row');
    assert.equal(dropped!.severity, 'warning');
    assert.match(dropped!.message, /dropped 1 predictions row since .*: 1 because the buffer was full/);
    const details = dropped!.details as { log: string; overflow: number; rejected: number };
    assert.deepEqual([details.log, details.overflow, details.rejected], ['predictions', 1, 0]);
    await locker.query('ROLLBACK');
  });
});
