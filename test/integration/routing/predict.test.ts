import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { moveAlias } from '../../../src/db/repositories/alias.repository';
import { predictResponseSchema } from '../../../src/routing/service/api/response-schemas';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  coefficientsOf,
  countRows,
  FEATURES_20,
  featuresFor,
  logistic,
  seedModel,
  startExperiment,
  startTestRouter,
  waitFor,
  type TestRouter,
} from './support/routing-fixtures';

/** The model_version_broken alerts once the first is stored, and after a moment for any duplicate. */
async function brokenVersionAlerts(database: TestDatabase) {
  const alerts = await waitFor(async () => {
    const rows = await database.db
      .selectFrom('alerts')
      .selectAll()
      .where('kind', '=', 'model_version_broken')
      .execute();
    return rows.length > 0 ? rows : undefined;
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  return alerts;
}

describe('routing service: /v1/predict', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let router: TestRouter | undefined;
  let other: TestRouter | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await router?.close();
    await other?.close();
    router = other = undefined;
    await database.drop();
  });

  it('scores the champion with onnxruntime and answers the documented shape', async () => {
    await seedModel(database.db, { versions: 2, champion: 2 });
    router = await startTestRouter(database.url);
    const features = featuresFor(7);
    const x = FEATURES_20.map((n) => features[n]!);
    const response = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'acct-1',
      features,
      asOf: '2026-01-02T03:04:05Z',
    });
    assert.equal(response.status, 200);
    assert.ok(predictResponseSchema.safeParse(response.body).success, JSON.stringify(response.body));
    assert.equal(response.body.version, 2);
    assert.equal(response.body.asOf, '2026-01-02T03:04:05Z');
    const { coefficients, intercept } = coefficientsOf(2);
    // The model runs in float32: agree with the double-precision formula to ~1e-6.
    assert.ok(Math.abs(response.body.output - logistic(coefficients, intercept, x)) < 1e-5);
    assert.equal(response.body.experimentId, undefined);

    // The same vector as an array in schema order gives the same output.
    const byArray = await router.post('/v1/predict', { model: 'btc-1h', unitId: 'acct-1', features: x });
    assert.equal(byArray.body.output, response.body.output);
  });

  it('logs predictions in batches with their features, version and the time they were made', async () => {
    const model = await seedModel(database.db, { versions: 1, champion: 1 });
    router = await startTestRouter(database.url, { env: { GALFRIDAY_FLUSH_INTERVAL: '100ms' } });
    const before = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(
        (await router.post('/v1/predict', { model: 'btc-1h', unitId: `u${i}`, features: featuresFor(i) }))
          .body.predictionId,
      );
    await waitFor(
      async () => ((await countRows(database.db, 'predictions')) === 60 ? true : undefined),
      3_000,
      'the batch flush',
    );
    const row = await database.db
      .selectFrom('predictions')
      .selectAll()
      .where('prediction_id', '=', ids[5]!)
      .executeTakeFirstOrThrow();
    assert.equal(row.model_id, model.modelId);
    assert.equal(row.version_id, model.versionIds.get(1));
    assert.equal(row.unit_id, 'u5');
    assert.deepEqual(
      row.features,
      FEATURES_20.map((n) => featuresFor(5)[n]),
    );
    assert.equal(row.is_shadow, false);
    assert.ok(row.created_at.getTime() >= before - 5 && row.created_at.getTime() <= Date.now());
    const metrics = (await router.get('/metrics')).text;
    assert.match(metrics, /galfriday_router_log_flushed_rows_total\{log="predictions"\} 60/);
    assert.match(metrics, /galfriday_router_log_flush_lag_seconds_count\{log="predictions"\} [1-9]/);
    assert.match(metrics, /galfriday_router_predictions_total\{model="btc-1h",variant="champion"\} 60/);
  });

  it('scores the shadow version too and records it beside the served prediction, never returning it', async () => {
    const model = await seedModel(database.db, { versions: 3, champion: 1, shadow: 3 });
    router = await startTestRouter(database.url);
    const served = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'acct-9',
      features: featuresFor(3),
    });
    assert.equal(served.body.version, 1);
    assert.deepEqual(Object.keys(served.body).sort(), ['model', 'output', 'predictionId', 'version']);
    await router.post('/admin/flush', {}, router.adminToken);
    const shadow = await waitFor(async () => {
      await router!.post('/admin/flush', undefined, router!.adminToken);
      return database.db
        .selectFrom('predictions')
        .selectAll()
        .where('is_shadow', '=', true)
        .executeTakeFirst();
    });
    assert.equal(shadow.served_prediction_id, served.body.predictionId);
    assert.equal(shadow.version_id, model.versionIds.get(3));
    const { coefficients, intercept } = coefficientsOf(3);
    assert.ok(
      Math.abs(
        shadow.output -
          logistic(
            coefficients,
            intercept,
            FEATURES_20.map((n) => featuresFor(3)[n]!),
          ),
      ) < 1e-5,
    );
    assert.notEqual(shadow.output, served.body.output);
    // An outcome cannot be reported against the shadow score: only the served prediction is known.
    const outcome = await router.post('/v1/outcomes', {
      outcomes: [
        { predictionId: shadow.prediction_id, correct: true },
        { predictionId: served.body.predictionId, correct: true },
      ],
    });
    assert.deepEqual(
      outcome.body.results.map((r: { status: string }) => r.status),
      ['unknown', 'recorded'],
    );
  });

  it('falls back to the champion when the routed version is broken, and raises one deduplicated alert', async () => {
    const model = await seedModel(database.db, { versions: 2, champion: 1, broken: [2] });
    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0, isControl: true },
        { variant: 'broken', version: 2, weight: 1 },
      ],
    });
    router = await startTestRouter(database.url);
    other = await startTestRouter(database.url);
    const first = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'acct-1',
      features: featuresFor(1),
    });
    assert.equal(first.status, 200);
    assert.equal(first.body.version, 1);
    assert.deepEqual(first.body.fallback, { fromVersion: 2, reason: 'version broken' });
    assert.equal(first.body.experimentId, undefined, 'the champion served it, so the arm gets no credit');
    assert.equal(
      (await other.post('/v1/predict', { model: 'btc-1h', unitId: 'acct-2', features: featuresFor(2) })).body
        .version,
      1,
    );

    const alerts = await brokenVersionAlerts(database);
    assert.equal(await countRows(database.db, 'alerts'), 1, 'two routers, one alert');
    assert.equal(alerts[0]!.severity, 'critical');
    assert.equal(alerts[0]!.model_id, model.modelId);
    assert.match(alerts[0]!.message, /version 2 of "btc-1h" failed to load/);

    // The assignment is still logged (the unit was assigned); the prediction is the champion's.
    await router.post('/admin/flush', undefined, router.adminToken);
    const prediction = await database.db
      .selectFrom('predictions')
      .selectAll()
      .where('prediction_id', '=', first.body.predictionId)
      .executeTakeFirstOrThrow();
    assert.equal(prediction.version_id, model.versionIds.get(1));
    assert.equal(prediction.experiment_id, null);
    const assignment = await database.db
      .selectFrom('experiment_assignments')
      .selectAll()
      .where('assignment_id', '=', first.body.predictionId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([assignment.experiment_id, assignment.variant], [experimentId, 'broken']);
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_champion_fallbacks_total\{model="btc-1h"\} 1/,
    );
  });

  it('falls back to the champion for a run failure, and marks the version broken (one alert) only after failures on 3 different inputs', async () => {
    const model = await seedModel(database.db, { versions: 2, champion: 1, failsToRun: [2] });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0, isControl: true },
        { variant: 'fails', version: 2, weight: 1 },
      ],
    });
    router = await startTestRouter(database.url);
    const predict = (unitId: string, seed: number) =>
      router!.post('/v1/predict', { model: 'btc-1h', unitId, features: featuresFor(seed) });
    const versionState = async () =>
      (await router!.get('/admin/config')).body.sessions.find(
        (s: { versionId: string }) => s.versionId === model.versionIds.get(2),
      )?.state;
    // One input failing, however often it is sent (a client repeating a crafted input), only fails
    // over that request.
    for (const unitId of ['acct-1', 'acct-2', 'acct-3', 'acct-4']) {
      const answer = await predict(unitId, 1);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.version, 1);
      assert.ok(Number.isFinite(answer.body.output));
      assert.deepEqual(answer.body.fallback, { fromVersion: 2, reason: 'run failed' });
    }
    assert.equal((await predict('acct-5', 2)).body.fallback.reason, 'run failed');
    assert.notEqual(await versionState(), 'broken');
    assert.equal(await countRows(database.db, 'alerts'), 0, 'no alert for failures on two inputs');
    // The third different input: the version is broken, alerted once, and skipped from then on.
    assert.equal((await predict('acct-6', 3)).body.fallback.reason, 'version broken');
    assert.equal((await predict('acct-7', 4)).body.fallback.reason, 'version broken');
    assert.equal(await versionState(), 'broken');
    const alerts = await brokenVersionAlerts(database);
    assert.equal(await countRows(database.db, 'alerts'), 1, 'one alert however many requests hit it');
    assert.match(
      alerts[0]!.message,
      /version 2 of "btc-1h" failed to run; requests routed to it are served by the champion/,
    );
    assert.match(JSON.stringify(alerts[0]!.details), /cannot be reshaped/);
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_champion_fallbacks_total\{model="btc-1h"\} 7/,
    );
  });

  it('refuses features outside the float32 range with 422 naming them, and never marks a version broken for them', async () => {
    await seedModel(database.db, { versions: 1, champion: 1 });
    router = await startTestRouter(database.url);
    for (const value of [1e39, -1e39, 3.5e38]) {
      const features = { ...featuresFor(1), f07: value };
      const answer = await router.post('/v1/predict', { model: 'btc-1h', unitId: 'hostile', features });
      assert.equal(answer.status, 422, JSON.stringify(answer.body));
      assert.deepEqual(
        [answer.body.error.code, answer.body.error.field, answer.body.error.details],
        ['ROUTER_ERR_FEATURE_RANGE', 'features.f07', { outOfRange: ['f07'] }],
      );
    }
    // The largest float32 is accepted; as an array, the feature is named by the schema.
    const largest = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'edge',
      features: { ...featuresFor(1), f07: 3.4028234663852886e38 },
    });
    assert.equal(largest.status, 200, JSON.stringify(largest.body));
    const asArray = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'hostile',
      features: FEATURES_20.map((_, i) => (i === 2 ? -1e300 : 0)),
    });
    assert.deepEqual([asArray.status, asArray.body.error.field], [422, 'features.f03']);
    const next = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'other',
      features: featuresFor(2),
    });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.fallback, undefined);
  });

  it("answers a non-finite model output as that request's 422, logs nothing and never marks the version broken", async () => {
    const model = await seedModel(database.db, { versions: 2, champion: 1, answersNaN: [2] });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0, isControl: true },
        { variant: 'nan', version: 2, weight: 1 },
      ],
    });
    router = await startTestRouter(database.url);
    for (let i = 0; i < 8; i++) {
      const answer = await router.post('/v1/predict', {
        model: 'btc-1h',
        unitId: `acct-${i}`,
        features: featuresFor(i),
      });
      assert.equal(answer.status, 422, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'ROUTER_ERR_NON_FINITE_OUTPUT');
      assert.match(answer.body.error.message, /version 2 returned NaN/);
    }
    const sessions = (await router.get('/admin/config')).body.sessions;
    assert.equal(
      sessions.find((s: { versionId: string }) => s.versionId === model.versionIds.get(2)).state,
      'ready',
    );
    await router.post('/admin/flush', undefined, router.adminToken);
    assert.equal(await countRows(database.db, 'predictions'), 0);
    assert.equal(await countRows(database.db, 'alerts'), 0);
  });

  it('answers 503 when even the champion cannot be served, and 409 without a champion', async () => {
    await seedModel(database.db, { name: 'broken-model', versions: 1, champion: 1, broken: [1] });
    await seedModel(database.db, { name: 'no-champion', versions: 1, champion: null });
    router = await startTestRouter(database.url);
    const broken = await router.post('/v1/predict', {
      model: 'broken-model',
      unitId: 'u',
      features: featuresFor(1),
    });
    assert.equal(broken.status, 503);
    assert.equal(broken.body.error.code, 'ROUTER_ERR_MODEL_UNAVAILABLE');
    const none = await router.post('/v1/predict', {
      model: 'no-champion',
      unitId: 'u',
      features: featuresFor(1),
    });
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, 'ROUTER_ERR_NO_CHAMPION');
  });

  it('serves an experiment arm inside a running experiment and attributes the prediction to it', async () => {
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    const live = await startTestRouter(database.url);
    router = live;
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const r = await live.post('/v1/predict', {
        model: 'btc-1h',
        unitId: `acct-${i}`,
        features: featuresFor(i),
      });
      assert.equal(r.body.experimentId, experimentId);
      assert.equal(r.body.version, r.body.variant === 'control' ? 1 : 2);
      seen.set(r.body.variant, (seen.get(r.body.variant) ?? 0) + 1);
    }
    assert.equal(seen.size, 2);
    await router.post('/admin/flush', undefined, router.adminToken);
    const { rows } = await sql<{ variant: string; n: string }>`
      SELECT p.variant, count(*) AS n FROM predictions p
      JOIN experiment_assignments a ON a.assignment_id = p.prediction_id AND a.variant = p.variant
      GROUP BY p.variant`.execute(database.db);
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.variant, Number(r.n)])), Object.fromEntries(seen));
    // Prometheus counts the same split, per arm.
    const metrics = (await router.get('/metrics')).text;
    for (const [variant, n] of seen) {
      for (const name of ['predictions', 'assignments']) {
        assert.match(
          metrics,
          new RegExp(`^galfriday_router_${name}_total\\{model="btc-1h",variant="${variant}"\\} ${n}$`, 'm'),
          `${name} of ${variant}`,
        );
      }
    }
  });

  it('follows a champion move to a version loaded on the fly', async () => {
    await seedModel(database.db, { versions: 2, champion: 1 });
    router = await startTestRouter(database.url);
    assert.equal(
      (await router.post('/v1/predict', { model: 'btc-1h', unitId: 'u', features: featuresFor(1) })).body
        .version,
      1,
    );
    await moveAlias(database.db, { model: 'btc-1h', alias: 'champion', version: 2, changedBy: 'test' });
    await waitFor(async () =>
      (await router!.post('/v1/predict', { model: 'btc-1h', unitId: 'u', features: featuresFor(1) })).body
        .version === 2
        ? true
        : undefined,
    );
  });
});
