import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { connectDatabase, type DatabaseHandle } from '../../../src/db/connection';
import { migrate } from '../../../src/db/migrator';
import { startEmbeddedPostgres, type RunningPostgres } from '../../../src/stack/embedded-postgres';
import { freePort } from '../../../src/util/ports';
import {
  featuresFor,
  seedModel,
  startExperiment,
  startTestRouter,
  waitFor,
  type TestRouter,
} from './support/routing-fixtures';

// A dedicated PostgreSQL that this test stops and starts again under traffic. The cluster is kept
// across the restart (persistent) and removed at the end.
describe('routing service: PostgreSQL outage', function () {
  this.timeout(90_000);
  let workDir: string;
  let postgres: RunningPostgres | undefined;
  let port: number;
  let database: DatabaseHandle | undefined;
  let router: TestRouter | undefined;
  let late: TestRouter | undefined;

  const startPostgres = async () =>
    startEmbeddedPostgres({
      clusterDir: path.join(workDir, 'postgres'),
      port,
      database: 'galfriday',
      persistent: true,
    });

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-outage-'));
    await chmod(workDir, 0o755);
    port = await freePort();
    postgres = await startPostgres();
    database = connectDatabase(postgres.url);
    database.pool.on('connect', (client) => client.on('error', () => undefined));
    await migrate(database.pool);
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
  });
  after(async () => {
    await late?.close();
    await router?.close();
    await database?.close();
    await postgres?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('keeps predicting from cache, refuses outcomes with 503 while down, recovers by itself and loses no acknowledged outcome', async () => {
    const live = await startTestRouter(postgres!.url, { tuning: { outcomeTimeoutMs: 3_000 } });
    router = live;
    const served: string[] = [];
    const acknowledged = new Set<string>();
    let refused = 0;
    let phase = 'up' as 'up' | 'down' | 'recovering';
    let acceptedWhileDown = 0;
    let stop = false;

    // Engine traffic: predictions, and outcomes for every other earlier prediction.
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        const p = await live.post('/v1/predict', {
          model: 'btc-1h',
          unitId: `acct-${i % 97}`,
          features: featuresFor(i),
        });
        assert.equal(p.status, 200, `predict during phase ${phase}: ${JSON.stringify(p.body)}`);
        served.push(p.body.predictionId);
        if (i % 2 === 1) {
          const pending = served.slice(-2);
          // Counted only when sent and answered while PostgreSQL is down: a request sent just before
          // the stop may commit and be answered after it, and one sent while down may wait for the
          // restart and commit then; both are correct acknowledgements of stored rows.
          const sentIn = phase;
          const o = await live.post('/v1/outcomes', {
            outcomes: pending.map((predictionId) => ({ predictionId, correct: i % 3 === 0 })),
          });
          if (o.status === 202) {
            for (const r of o.body.results) {
              assert.notEqual(
                r.status,
                'unknown',
                `a prediction this router served was reported unknown (phase ${phase})`,
              );
              acknowledged.add(r.predictionId);
            }
            if (sentIn === 'down' && phase === 'down') acceptedWhileDown++;
          } else {
            assert.deepEqual([o.status, o.body.error.code], [503, 'ROUTER_ERR_STORAGE_UNAVAILABLE']);
            refused++;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    await waitFor(() => (acknowledged.size >= 20 ? true : undefined), 10_000, 'traffic before the outage');
    await postgres!.stop();
    phase = 'down';
    const servedBeforeOutage = served.length;
    await waitFor(
      () => (refused >= 5 ? true : undefined),
      10_000,
      'outcomes refused while PostgreSQL is down',
    );
    await waitFor(
      () => (served.length >= servedBeforeOutage + 30 ? true : undefined),
      10_000,
      'predictions served while down',
    );
    const ready = await router.get('/readyz', null);
    assert.deepEqual([ready.status, ready.body.database], [200, 'down']);
    assert.ok(ready.body.bufferedRows.predictions > 0);
    // A router starting during the outage has no configuration to serve: unready until it loads one.
    late = await startTestRouter(postgres!.url);
    const lateReady = await late.get('/readyz', null);
    assert.deepEqual(
      [lateReady.status, lateReady.body.ready, lateReady.body.reason],
      [503, false, 'configuration not loaded yet'],
    );
    const notReady = await late.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'u',
      features: featuresFor(1),
    });
    assert.deepEqual([notReady.status, notReady.body.error.code], [503, 'ROUTER_ERR_NOT_READY']);

    postgres = await startPostgres();
    phase = 'recovering';
    const acknowledgedBefore = acknowledged.size;
    await waitFor(
      () => (acknowledged.size >= acknowledgedBefore + 20 ? true : undefined),
      20_000,
      'outcomes accepted again after the restart',
    );
    stop = true;
    await traffic;

    assert.equal(acceptedWhileDown, 0, 'nothing may be acknowledged while PostgreSQL is down');
    await router.post('/admin/flush', undefined, router.adminToken);
    const storedOutcomes = new Set(
      (
        await database!.db
          .selectFrom('experiment_outcomes')
          .select(sql<string>`prediction_id::text`.as('id'))
          .execute()
      ).map((r) => r.id),
    );
    const lost = [...acknowledged].filter((id) => !storedOutcomes.has(id));
    assert.deepEqual(lost, [], 'every acknowledged outcome is stored');
    // Predictions made during the outage were buffered and written after it (the bound was not reached).
    const storedPredictions = Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM predictions WHERE NOT is_shadow`.execute(
          database!.db,
        )
      ).rows[0]!.n,
    );
    assert.equal(storedPredictions, served.length);
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_log_dropped_rows_total\{log="predictions",reason="overflow"\} 0/,
    );
    assert.equal((await router.get('/readyz', null)).body.database, 'up');
    // The listener is back too: a configuration change reaches the router again.
    await waitFor(
      async () => ((await router!.get('/readyz', null)).body.listening ? true : undefined),
      10_000,
      'the listener to reconnect',
    );
  });
  it('beyond the buffer bound during an outage, drops log rows with a counted metric and keeps answering', async () => {
    const bounded = await startTestRouter(postgres!.url, { tuning: { maxBufferedRows: 20 } });
    try {
      await bounded.post('/admin/flush', undefined, bounded.adminToken);
      await postgres!.stop();
      const servedDuringOutage: string[] = [];
      for (let i = 0; i < 50; i++) {
        const p = await bounded.post('/v1/predict', {
          model: 'btc-1h',
          unitId: `bounded-${i}`,
          features: featuresFor(i),
        });
        assert.equal(p.status, 200, JSON.stringify(p.body));
        servedDuringOutage.push(p.body.predictionId);
      }
      const ready = await bounded.get('/readyz', null);
      assert.deepEqual(ready.body.bufferedRows, { predictions: 20, assignments: 20 });
      const metrics = (await bounded.get('/metrics')).text;
      // In this two-arm experiment every predict also logs the other arm's twin score (is_shadow),
      // appended right after its reply: 100 prediction rows for 50 predicts, of which 20 are kept,
      // but one assignment per predict.
      for (const [log, dropped] of [
        ['predictions', 80],
        ['assignments', 30],
      ] as const) {
        assert.match(
          metrics,
          new RegExp(
            `^galfriday_router_log_dropped_rows_total\\{log="${log}",reason="overflow"\\} ${dropped}$`,
            'm',
          ),
        );
      }

      postgres = await startPostgres();
      await waitFor(
        async () =>
          (await bounded.get('/readyz', null)).body.bufferedRows.predictions === 0 ? true : undefined,
        20_000,
        'the buffered rows to be written after the restart',
      );
      // The first 20 rows (10 served predictions and their twins) waited and were written; the rows
      // beyond the bound were dropped, not queued.
      const stored = new Set(
        (
          await database!.db
            .selectFrom('predictions')
            .select(sql<string>`prediction_id::text`.as('id'))
            .where(sql<string>`prediction_id::text`, 'in', servedDuringOutage)
            .execute()
        ).map((r) => r.id),
      );
      assert.deepEqual(
        servedDuringOutage.map((id) => stored.has(id)),
        servedDuringOutage.map((_, i) => i < 10),
      );
      const twins = new Set(
        (
          await database!.db
            .selectFrom('predictions')
            .select(sql<string>`served_prediction_id::text`.as('id'))
            .where('is_shadow', '=', true)
            .where(sql<string>`served_prediction_id::text`, 'in', servedDuringOutage)
            .execute()
        ).map((r) => r.id),
      );
      assert.deepEqual(
        servedDuringOutage.map((id) => twins.has(id)),
        servedDuringOutage.map((_, i) => i < 10),
      );
    } finally {
      await bounded.close();
    }
  });
});
