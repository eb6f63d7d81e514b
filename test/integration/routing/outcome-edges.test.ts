import assert from 'node:assert/strict';
import { sql } from 'kysely';
import {
  encodeRows,
  copyPredictions,
  predictionEncoder,
} from '../../../src/db/repositories/routing-log.repository';
import { openUnmatchedOutcomes } from '../../../src/db/repositories/unmatched-outcome.repository';
import { uuidv7 } from '../../../src/routing/service/ids/uuid-v7';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  countRows,
  FEATURES_20,
  featuresFor,
  seedModel,
  startTestRouter,
  waitFor,
  type SeededModel,
  type TestRouter,
} from './support/routing-fixtures';

describe('routing service: outcomes without a prediction, refused outcomes, deadlocks', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let model: SeededModel;
  let router: TestRouter | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    model = await seedModel(database.db, { versions: 1, champion: 1 });
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await database.drop();
  });

  const predict = async (r: TestRouter, i: number): Promise<string> => {
    const answer = await r.post('/v1/predict', {
      model: 'btc-1h',
      unitId: `u${i}`,
      features: featuresFor(i),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.predictionId;
  };

  it('keeps an acknowledged outcome without a prediction, counts and alerts it, and stores it once its prediction is logged', async () => {
    router = await startTestRouter(database.url, { tuning: { unmatchedMatchIntervalMs: 100 } });
    const early = uuidv7();
    const answer = await router.post('/v1/outcomes', { predictionId: early, correct: true, return: 0.01 });
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body.results, [
      {
        predictionId: early,
        status: 'unknown',
        code: 'ROUTER_ERR_UNKNOWN_PREDICTION',
        kept: 'no_prediction',
      },
    ]);
    assert.equal(answer.body.unknown, 1);
    const open = await openUnmatchedOutcomes(database.db);
    assert.deepEqual(
      open.map((o) => [o.prediction_id, o.correct, o.trade_return, o.reason]),
      [[early, true, 0.01, 'no_prediction']],
    );
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_unmatched_outcomes_total\{reason="no_prediction"\} 1/,
    );
    const alert = await waitFor(
      async () =>
        (
          await database.db
            .selectFrom('alerts')
            .selectAll()
            .where('kind', '=', 'outcomes_unmatched')
            .execute()
        )[0],
      5_000,
      'the outcomes_unmatched alert',
    );
    assert.match(
      alert.message,
      /1 outcome\(s\) acknowledged without a matching prediction \(no_prediction: 1\)/,
    );
    // A repeated report is acknowledged again and kept once.
    assert.equal((await router.post('/v1/outcomes', { predictionId: early, correct: true })).status, 202);
    assert.equal((await openUnmatchedOutcomes(database.db)).length, 1);

    // The prediction is logged later (another router's buffer after an outage): the outcome is stored.
    const now = Date.now();
    await copyPredictions(
      database.pool,
      encodeRows(predictionEncoder, [
        {
          predictionId: early,
          modelId: model.modelId,
          versionId: model.versionIds.get(1)!,
          experimentId: null,
          variant: null,
          unitId: 'late',
          features: FEATURES_20.map(() => 0),
          output: 0.5,
          isShadow: false,
          servedPredictionId: null,
          createdAtMs: now,
        },
      ]),
    );
    const stored = await waitFor(
      async () =>
        database.db
          .selectFrom('experiment_outcomes')
          .selectAll()
          .where('prediction_id', '=', early)
          .executeTakeFirst(),
      5_000,
      'the unmatched outcome to be matched',
    );
    assert.deepEqual(
      [stored.correct, stored.trade_return, stored.version_id],
      [true, 0.01, model.versionIds.get(1)],
    );
    const matched = await database.db
      .selectFrom('unmatched_outcomes')
      .selectAll()
      .where('prediction_id', '=', early)
      .executeTakeFirstOrThrow();
    assert.ok(matched.matched_at !== null);
    assert.equal(matched.matched_as_duplicate, false);
    assert.deepEqual(await openUnmatchedOutcomes(database.db), []);
    // Now known: a further report is a duplicate.
    const again = await router.post('/v1/outcomes', { predictionId: early, correct: true });
    assert.equal(again.body.results[0].status, 'duplicate');
  });

  it('keeps the outcome of a prediction whose log row was dropped with the reason prediction_dropped', async () => {
    router = await startTestRouter(database.url, {
      tuning: { maxBufferedRows: 2 },
      env: { GALFRIDAY_FLUSH_INTERVAL: '1h' },
    });
    const ids = [await predict(router, 1), await predict(router, 2), await predict(router, 3)];
    const answer = await router.post('/v1/outcomes', {
      outcomes: ids.map((predictionId) => ({ predictionId, correct: false })),
    });
    assert.equal(answer.status, 202);
    assert.deepEqual(
      answer.body.results.map((r: { status: string; kept?: string }) => [r.status, r.kept]),
      [
        ['recorded', undefined],
        ['recorded', undefined],
        ['unknown', 'prediction_dropped'],
      ],
    );
    const open = await openUnmatchedOutcomes(database.db);
    assert.deepEqual(
      open.map((o) => [o.prediction_id, o.reason]),
      [[ids[2], 'prediction_dropped']],
    );
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_unmatched_outcomes_total\{reason="prediction_dropped"\} 1/,
    );
  });

  it('refuses only the request PostgreSQL refuses in a group commit (422), commits the rest, and keeps the database up', async () => {
    router = await startTestRouter(database.url);
    // A data error only PostgreSQL knows about (validation passes): a check constraint of this
    // test's own database.
    await sql`ALTER TABLE experiment_outcomes ADD CONSTRAINT poison CHECK (trade_return IS DISTINCT FROM 0.123456)`.execute(
      database.db,
    );
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await predict(router, i));
    await router.post('/admin/flush', undefined, router.adminToken);
    const poisoned = 17;
    // Hold the table while the requests arrive, so that they queue and are committed in groups.
    const blocker = await database.pool.connect();
    let answers;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE experiment_outcomes IN EXCLUSIVE MODE');
      const sent = Promise.all(
        ids.map((predictionId, i) =>
          router!.post('/v1/outcomes', { predictionId, return: i === poisoned ? 0.123456 : i / 100 }),
        ),
      );
      await waitFor(
        async () => {
          const { rows } = await database.pool.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'galfriday-router'",
          );
          return rows[0].n >= 2 ? true : undefined;
        },
        5_000,
        'the first commits to wait for the lock',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await blocker.query('COMMIT');
      answers = await sent;
    } finally {
      blocker.release();
    }
    for (const [i, answer] of answers.entries()) {
      if (i === poisoned) {
        assert.equal(answer.status, 422, JSON.stringify(answer.body));
        assert.equal(answer.body.error.code, 'ROUTER_ERR_OUTCOME_REFUSED');
        assert.match(answer.body.error.message, /poison/);
      } else {
        assert.equal(answer.status, 202, `request ${i}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.recorded, 1);
      }
    }
    assert.equal(await countRows(database.db, 'experiment_outcomes'), 39);
    assert.equal((await router.get('/readyz', null)).body.database, 'up');
  });

  it('retries a commit that deadlocks with another writer once, and answers it correctly', async () => {
    router = await startTestRouter(database.url);
    const [a, b] = [await predict(router, 1), await predict(router, 2)];
    await router.post('/admin/flush', undefined, router.adminToken);
    const other = await database.pool.connect();
    try {
      const insert = (id: string) =>
        other.query(
          `INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, correct, prediction_at)
           SELECT prediction_id, model_id, version_id, true, created_at FROM predictions WHERE prediction_id = $1`,
          [id],
        );
      await other.query('BEGIN');
      await insert(b);
      // The router's statement inserts a, then waits for b (held by the other transaction).
      const pending = router.post('/v1/outcomes', {
        outcomes: [
          { predictionId: a, correct: false },
          { predictionId: b, correct: false },
        ],
      });
      await waitFor(
        async () => {
          const { rows } = await database.pool.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'galfriday-router'",
          );
          return rows[0].n > 0 ? true : undefined;
        },
        5_000,
        'the router to wait for the other transaction',
      );
      // The other transaction now waits for a: a deadlock, which PostgreSQL breaks by aborting the
      // router's statement (it waited first, so it detects the cycle).
      await insert(a);
      await other.query('COMMIT');
      const answer = await pending;
      assert.equal(answer.status, 202, `${JSON.stringify(answer.body)}\n${router.lines.join('\n')}`);
      assert.deepEqual(
        answer.body.results.map((r: { status: string }) => r.status),
        ['duplicate', 'duplicate'],
      );
    } finally {
      other.release();
    }
    assert.match(router.lines.join('\n'), /deadlocked; retrying once/);
  });
});
