import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  countRows,
  featuresFor,
  seedModel,
  startTestRouter,
  waitFor,
  type TestRouter,
} from './support/routing-fixtures';

describe('routing service: batched logs under backpressure', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let router: TestRouter | undefined;
  let locker: pg.Client | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    await seedModel(database.db, { versions: 1, champion: 1 });
  });
  afterEach(async () => {
    await locker?.end().catch(() => undefined);
    await router?.close();
    router = locker = undefined;
    await database.drop();
  });

  it('keeps answering while PostgreSQL blocks the flush, holds at most maxBufferedRows, counts the drops, then catches up', async () => {
    router = await startTestRouter(database.url, {
      tuning: { maxBufferedRows: 200, maxBatchRows: 50 },
      env: { GALFRIDAY_FLUSH_INTERVAL: '20ms' },
    });
    // A lock makes every INSERT INTO predictions wait: the flusher is stuck with one batch in flight.
    locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE');

    const ids: string[] = [];
    let slowest = 0;
    for (let start = 0; start < 300; start += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const t0 = performance.now();
          const r = await router!.post('/v1/predict', {
            model: 'btc-1h',
            unitId: `u${start + k}`,
            features: featuresFor(start + k),
          });
          slowest = Math.max(slowest, performance.now() - t0);
          assert.equal(r.status, 200);
          return r.body.predictionId as string;
        }),
      );
      ids.push(...batch);
    }
    assert.ok(
      slowest < 1_000,
      `a blocked flush must not slow predictions (slowest ${slowest.toFixed(0)} ms)`,
    );
    const ready = await router.get('/readyz', null);
    assert.equal(ready.body.bufferedRows.predictions, 200, 'bounded memory');
    const metrics = (await router.get('/metrics')).text;
    assert.match(
      metrics,
      /galfriday_router_log_dropped_rows_total\{log="predictions",reason="overflow"\} 100/,
    );
    assert.match(metrics, /galfriday_router_log_buffered_rows\{log="predictions"\} 200/);

    await locker.query('ROLLBACK');
    await waitFor(
      async () => ((await countRows(database.db, 'predictions')) === 200 ? true : undefined),
      5_000,
      'the backlog to drain',
    );
    assert.equal((await router.get('/readyz', null)).body.bufferedRows.predictions, 0);
    // The first 200 were kept (the row that no longer fits is the one dropped), so their outcomes are known.
    const outcome = await router.post('/v1/outcomes', {
      outcomes: [
        { predictionId: ids[0]!, correct: true },
        { predictionId: ids[299]!, correct: true },
      ],
    });
    assert.deepEqual(
      outcome.body.results.map((r: { status: string }) => r.status),
      ['recorded', 'unknown'],
    );
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_log_flush_lag_seconds_count\{log="predictions"\} [1-9]/,
    );
  });

  it('writes at most maxBatchRows per statement and flushes a full batch before the interval', async () => {
    router = await startTestRouter(database.url, {
      tuning: { maxBatchRows: 25 },
      env: { GALFRIDAY_FLUSH_INTERVAL: '1m' },
    });
    for (let start = 0; start < 100; start += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, k) =>
          router!.post('/v1/predict', { model: 'btc-1h', unitId: `b${start + k}`, features: featuresFor(k) }),
        ),
      );
    }
    // Full batches go at once although the interval is a minute.
    await waitFor(
      async () => ((await countRows(database.db, 'predictions')) === 100 ? true : undefined),
      3_000,
      'size-triggered flushes',
    );
    const statements = Number(
      /galfriday_router_log_flush_lag_seconds_count\{log="predictions"\} (\d+)/.exec(
        (await router.get('/metrics')).text,
      )![1],
    );
    assert.ok(statements >= 4, `${statements} statements for 100 rows of at most 25`);
  });
});
