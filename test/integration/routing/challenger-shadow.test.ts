import assert from 'node:assert/strict';
import {
  loadArmAggregates,
  loadPairedBars,
  loadPeriodAggregates,
} from '../../../src/db/repositories/experiment-metrics.repository';
import { analyseArms, pairedComparisonOf } from '../../../src/lifecycle/analyse-arms';
import { parseDuration } from '../../../src/util/duration';
import { experimentPolicySchema } from '../../../src/policies/experiment-policy';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  coefficientsOf,
  FEATURES_20,
  featuresFor,
  logistic,
  seedModel,
  startExperiment,
  startTestRouter,
  waitFor,
  type TestRouter,
} from './support/routing-fixtures';

// A challenger experiment scores both versions on every request: the unit's arm serves, the other
// arm's version runs in shadow on the same features and is logged as the served prediction's twin,
// so the paired comparison has both scores on every bar.
describe('routing service: challenger experiments score the other arm in shadow', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let router: TestRouter | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await database.drop();
  });

  const shadowRows = () =>
    database.db.selectFrom('predictions').selectAll().where('is_shadow', '=', true).execute();

  it('writes one served row and one shadow row of the other version, linked by served_prediction_id', async () => {
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'challenger', version: 2, weight: 0.5 },
      ],
    });
    router = await startTestRouter(database.url);
    const answers = [];
    for (let i = 0; i < 12; i++) {
      const answer: Awaited<ReturnType<TestRouter['post']>> = await router.post('/v1/predict', {
        model: 'btc-1h',
        unitId: `acct-${i}`,
        features: featuresFor(i),
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.experimentId, experimentId);
      answers.push({ ...answer.body, seed: i });
    }
    assert.ok(new Set(answers.map((a) => a.variant)).size === 2, 'both arms served some units');
    const shadows = await waitFor(async () => {
      await router!.post('/admin/flush', undefined, router!.adminToken);
      const rows = await shadowRows();
      return rows.length >= answers.length ? rows : undefined;
    });
    assert.equal(shadows.length, answers.length, 'exactly one twin per served prediction');
    const served = await database.db
      .selectFrom('predictions')
      .selectAll()
      .where('is_shadow', '=', false)
      .execute();
    assert.equal(served.length, answers.length);
    const versionOf = { control: model.versionIds.get(1), challenger: model.versionIds.get(2) };
    for (const answer of answers) {
      const twin = shadows.find((s) => s.served_prediction_id === answer.predictionId);
      assert.ok(twin, `twin of ${answer.predictionId}`);
      const otherVariant = answer.variant === 'control' ? 'challenger' : 'control';
      assert.equal(twin.version_id, versionOf[otherVariant as 'control' | 'challenger']);
      assert.deepEqual([twin.experiment_id, twin.variant], [experimentId, otherVariant]);
      assert.equal(twin.unit_id, `acct-${answer.seed}`);
      const { coefficients, intercept } = coefficientsOf(otherVariant === 'control' ? 1 : 2);
      const x = FEATURES_20.map((n) => featuresFor(answer.seed)[n]!);
      assert.ok(Math.abs(twin.output - logistic(coefficients, intercept, x)) < 1e-5);
      assert.notEqual(twin.output, answer.output);
    }
    // Twins are not routing decisions: the per-arm counts still see one decision per request.
    const metrics = (await router.get('/metrics')).text;
    assert.match(metrics, /galfriday_router_shadow_predictions_total\{model="btc-1h"\} 12/);

    // Once an outcome is recorded for a served prediction, the paired bar appears with both scores.
    const first = answers[0]!;
    assert.deepEqual(await loadPairedBars(database.db, experimentId, 'challenger'), []);
    const recorded = await router.post('/v1/outcomes', {
      outcomes: [{ predictionId: first.predictionId, correct: true }],
    });
    assert.equal(recorded.body.results[0].status, 'recorded');
    const bars = await waitFor(async () => {
      const rows = await loadPairedBars(database.db, experimentId, 'challenger');
      return rows.length > 0 ? rows : undefined;
    });
    assert.equal(bars.length, 1);
    const twin = shadows.find((s) => s.served_prediction_id === first.predictionId)!;
    const [champion, challenger] =
      first.variant === 'control' ? [first.output, twin.output] : [twin.output, first.output];
    assert.ok(Math.abs(bars[0]!.champion - champion) < 1e-6);
    assert.ok(Math.abs(bars[0]!.challenger - challenger) < 1e-6);
    assert.equal(bars[0]!.label, first.output >= 0.5 ? 1 : 0);
  });

  it('a shadow alias on a third version is scored too, but is not taken for the twin', async () => {
    const model = await seedModel(database.db, { versions: 3, champion: 1, shadow: 3 });
    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 1, isControl: true },
        { variant: 'challenger', version: 2, weight: 0 },
      ],
    });
    router = await startTestRouter(database.url);
    const answer = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'u',
      features: featuresFor(5),
    });
    assert.equal(answer.body.variant, 'control');
    const shadows = await waitFor(async () => {
      await router!.post('/admin/flush', undefined, router!.adminToken);
      const rows = await shadowRows();
      return rows.length >= 2 ? rows : undefined;
    });
    assert.deepEqual(
      shadows.map((s) => s.version_id).sort(),
      [model.versionIds.get(2), model.versionIds.get(3)].sort(),
    );
    await router.post('/v1/outcomes', {
      outcomes: [{ predictionId: answer.body.predictionId, correct: false }],
    });
    const bars = await waitFor(async () => {
      const rows = await loadPairedBars(database.db, experimentId, 'challenger');
      return rows.length > 0 ? rows : undefined;
    });
    const twin = shadows.find((s) => s.version_id === model.versionIds.get(2))!;
    assert.equal(bars.length, 1, 'one bar, paired with the challenger only');
    assert.ok(Math.abs(bars[0]!.challenger - twin.output) < 1e-6);
  });

  it('the experiment analysis then compares the arms paired on the same bars, not by the split fallback', async () => {
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'challenger', version: 2, weight: 0.5 },
      ],
    });
    router = await startTestRouter(database.url);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const answer: Awaited<ReturnType<TestRouter['post']>> = await router.post('/v1/predict', {
        model: 'btc-1h',
        unitId: `acct-${i}`,
        features: featuresFor(i),
      });
      ids.push(answer.body.predictionId);
    }
    await waitFor(async () => {
      await router!.post('/admin/flush', undefined, router!.adminToken);
      return (await shadowRows()).length >= ids.length ? true : undefined;
    });
    const recorded = await router.post('/v1/outcomes', {
      outcomes: ids.map((predictionId, i) => ({ predictionId, correct: i % 3 !== 0 })),
    });
    assert.ok(recorded.body.results.every((r: { status: string }) => r.status === 'recorded'));
    // What the analyseExperiment activity computes at a look, from the same repositories.
    const policy = experimentPolicySchema.parse({});
    assert.equal(policy.comparison, 'paired');
    const analysis = analyseArms(await loadArmAggregates(database.db, experimentId), policy, {}, Date.now(), {
      strategy: 'hash',
      periods: await loadPeriodAggregates(database.db, experimentId, parseDuration(policy.analysisPeriod)),
      paired: {
        variant: 'challenger',
        state: pairedComparisonOf(await loadPairedBars(database.db, experimentId, 'challenger'), policy)!,
      },
    });
    assert.ok(analysis.paired, 'a paired analysis');
    assert.equal(analysis.paired.bars, ids.length, 'every served bar with an outcome is paired');
    assert.equal(analysis.paired.variant, 'challenger');
  });

  for (const failure of ['broken', 'failsToRun'] as const) {
    it(`a ${failure === 'broken' ? 'broken' : 'failing'} shadow model leaves the served answer unchanged and the served version healthy`, async () => {
      const model = await seedModel(database.db, { versions: 2, champion: 1, [failure]: [2] });
      await startExperiment(database.db, model, {
        arms: [
          { variant: 'control', version: 1, weight: 1, isControl: true },
          { variant: 'challenger', version: 2, weight: 0 },
        ],
      });
      router = await startTestRouter(database.url);
      const { coefficients, intercept } = coefficientsOf(1);
      for (let i = 0; i < 5; i++) {
        const answer: Awaited<ReturnType<TestRouter['post']>> = await router.post('/v1/predict', {
          model: 'btc-1h',
          unitId: `acct-${i}`,
          features: featuresFor(i),
        });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body.version, 1);
        assert.equal(answer.body.variant, 'control');
        assert.equal(answer.body.fallback, undefined);
        const x = FEATURES_20.map((n) => featuresFor(i)[n]!);
        assert.ok(Math.abs(answer.body.output - logistic(coefficients, intercept, x)) < 1e-5);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await router.post('/admin/flush', undefined, router.adminToken);
      const sessions = (await router.get('/admin/config')).body.sessions as Array<{
        versionId: string;
        state: string;
      }>;
      assert.notEqual(sessions.find((s) => s.versionId === model.versionIds.get(1))?.state, 'broken');
      assert.equal((await shadowRows()).length, 0, 'a failed shadow score is not logged');
      const served = await database.db
        .selectFrom('predictions')
        .select('prediction_id')
        .where('is_shadow', '=', false)
        .execute();
      assert.equal(served.length, 5);
    });
  }
});
