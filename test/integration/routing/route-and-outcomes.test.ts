import assert from 'node:assert/strict';
import {
  outcomesResponseSchema,
  routeResponseSchema,
} from '../../../src/routing/service/api/response-schemas';
import { uuidv7 } from '../../../src/routing/service/ids/uuid-v7';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  countRows,
  featuresFor,
  seedModel,
  startExperiment,
  startTestRouter,
  type SeededModel,
  type TestRouter,
} from './support/routing-fixtures';

describe('routing service: /v1/route and /v1/outcomes', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let model: SeededModel;
  let experimentId: string;
  let router: TestRouter | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    model = await seedModel(database.db, { versions: 2, champion: 1 });
    experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await database.drop();
  });

  it('routes without scoring, logs the assignment, and takes outcomes under the assignment id', async () => {
    router = await startTestRouter(database.url);
    const routed = await router.post('/v1/route', { model: 'btc-1h', unitId: 'engine-unit-1' });
    assert.equal(routed.status, 200);
    assert.ok(routeResponseSchema.safeParse(routed.body).success);
    assert.equal(routed.body.experimentId, experimentId);
    assert.equal(routed.body.version, routed.body.variant === 'control' ? 1 : 2);

    const outcome = await router.post('/v1/outcomes', {
      predictionId: routed.body.assignmentId,
      correct: true,
      return: 0.0042,
      signalGenerated: true,
    });
    assert.equal(outcome.status, 202);
    const stored = await database.db
      .selectFrom('experiment_outcomes')
      .selectAll()
      .where('prediction_id', '=', routed.body.assignmentId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.version_id, model.versionIds.get(routed.body.version));
    assert.deepEqual(
      [stored.experiment_id, stored.variant, stored.correct, stored.trade_return, stored.signal_generated],
      [experimentId, routed.body.variant, true, 0.0042, true],
    );
    const assignment = await database.db
      .selectFrom('experiment_assignments')
      .selectAll()
      .where('assignment_id', '=', routed.body.assignmentId)
      .executeTakeFirstOrThrow();
    assert.equal(assignment.unit_id, 'engine-unit-1');
  });

  it('answers 202 only once committed, counts a repeated report once, and reports unknown ids per item', async () => {
    router = await startTestRouter(database.url);
    const a = await router.post('/v1/predict', { model: 'btc-1h', unitId: 'u1', features: featuresFor(1) });
    const b = await router.post('/v1/predict', { model: 'btc-1h', unitId: 'u2', features: featuresFor(2) });
    const stranger = uuidv7();
    const first = await router.post('/v1/outcomes', {
      outcomes: [
        { predictionId: a.body.predictionId, correct: true },
        { predictionId: stranger, correct: false },
        { predictionId: b.body.predictionId, return: -0.01 },
        { predictionId: a.body.predictionId, correct: false },
      ],
    });
    assert.equal(first.status, 202);
    assert.ok(outcomesResponseSchema.safeParse(first.body).success);
    assert.deepEqual(
      first.body.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
      [
        ['recorded', undefined],
        ['unknown', 'ROUTER_ERR_UNKNOWN_PREDICTION'],
        ['recorded', undefined],
        ['duplicate', undefined],
      ],
    );
    assert.deepEqual([first.body.recorded, first.body.duplicates, first.body.unknown], [2, 1, 1]);
    // Committed before the 202: visible at once, from another connection.
    assert.equal(await countRows(database.db, 'experiment_outcomes'), 2);
    const again = await router.post('/v1/outcomes', {
      outcomes: [{ predictionId: a.body.predictionId, correct: false }],
    });
    assert.equal(again.body.results[0].status, 'duplicate');
    const stored = await database.db
      .selectFrom('experiment_outcomes')
      .select('correct')
      .where('prediction_id', '=', a.body.predictionId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.correct, true, 'the first report wins');
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_outcomes_total\{result="duplicate"\} 2/,
    );
  });

  it('never answers "unknown" for a prediction still waiting in the batched log', async () => {
    // A 10 s flush interval: without special care the outcome would find no prediction row.
    router = await startTestRouter(database.url, { env: { GALFRIDAY_FLUSH_INTERVAL: '10s' } });
    const predicted = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'fast',
      features: featuresFor(5),
    });
    const routed = await router.post('/v1/route', { model: 'btc-1h', unitId: 'fast-route' });
    assert.equal(await countRows(database.db, 'predictions'), 0);
    // The route's id comes back in upper case, as some clients normalise UUIDs.
    const outcome = await router.post('/v1/outcomes', {
      outcomes: [
        { predictionId: predicted.body.predictionId, correct: true },
        { predictionId: String(routed.body.assignmentId).toUpperCase(), correct: false },
      ],
    });
    assert.deepEqual(
      outcome.body.results.map((r: { status: string }) => r.status),
      ['recorded', 'recorded'],
    );
    const stored = await database.db
      .selectFrom('experiment_outcomes')
      .selectAll()
      .where('prediction_id', '=', predicted.body.predictionId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.variant, predicted.body.variant);
  });

  it('group-commits concurrent outcome requests and answers each with its own statuses', async () => {
    router = await startTestRouter(database.url);
    const ids: string[] = [];
    for (let start = 0; start < 150; start += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          router!.post('/v1/predict', {
            model: 'btc-1h',
            unitId: `g${start + k}`,
            features: featuresFor(start + k),
          }),
        ),
      );
      ids.push(...batch.map((r) => r.body.predictionId as string));
    }
    const requests = Array.from({ length: 15 }, (_, k) => ids.slice(k * 10, k * 10 + 10));
    const answers = await Promise.all(
      requests.map((chunk) =>
        router!.post('/v1/outcomes', {
          outcomes: chunk.map((predictionId, j) => ({ predictionId, correct: j % 2 === 0 })),
        }),
      ),
    );
    for (const [k, answer] of answers.entries()) {
      assert.equal(answer.status, 202);
      assert.deepEqual(
        answer.body.results.map((r: { predictionId: string }) => r.predictionId),
        requests[k],
      );
      assert.equal(answer.body.recorded, 10);
    }
    assert.equal(await countRows(database.db, 'experiment_outcomes'), 150);
  });

  it('validates outcome items by field, and refuses more than 10,000 in one request', async () => {
    router = await startTestRouter(database.url);
    const bad = await router.post('/v1/outcomes', {
      outcomes: [
        { predictionId: uuidv7(), correct: true },
        { predictionId: 'not-a-uuid', correct: true },
      ],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'outcomes[1].predictionId');
    const empty = await router.post('/v1/outcomes', { predictionId: uuidv7() });
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /needs at least one of correct, return, signalGenerated/);
    const huge = await router.post('/v1/outcomes', {
      outcomes: Array.from({ length: 10_001 }, () => ({
        predictionId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab',
        correct: true,
      })),
    });
    assert.equal(huge.status, 400);
    assert.equal(huge.body.error.field, 'outcomes');
  });
});
