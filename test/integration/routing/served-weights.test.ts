import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadPeriodAggregates } from '../../../src/db/repositories/experiment-metrics.repository';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  seedModel,
  startExperiment,
  startTestRouter,
  type SeededModel,
  type TestRouter,
  waitFor,
} from './support/routing-fixtures';

// The per-epoch SRM of adaptive strategies compares each period's routed counts with the weights the
// router actually served then: the router logs them per allocation epoch, the analysis query reads them.
describe('routing service: served weights of adaptive experiments, per epoch', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let model: SeededModel;
  let router: TestRouter | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    model = await seedModel(database.db, { versions: 2, champion: 1 });
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await database.drop();
  });

  const servedWeights = async (experimentId: string) =>
    (
      await sql<{ epoch_start: Date; epoch_end: Date; variant: string; weight: number }>`
        SELECT epoch_start, epoch_end, variant, weight FROM experiment_served_weights
        WHERE experiment_id = ${experimentId} ORDER BY epoch_start, variant`.execute(database.db)
    ).rows;

  it('the router logs the weights it serves for each epoch, and periods inside the epoch get them as servedWeight', async () => {
    const experimentId = await startExperiment(database.db, model, {
      strategy: 'thompson',
      policy: { routing: { reweightIntervalSeconds: 3600 } },
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    // Outcomes before the epoch start: treatment is better, so Thompson moves traffic to it.
    await sql`
      INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, experiment_id, variant, correct, prediction_at, recorded_at)
      SELECT gen_random_uuid(), ${model.modelId}::int8, v.version_id, ${experimentId}::uuid, v.variant,
             g <= CASE WHEN v.is_control THEN 200 ELSE 240 END, now() - interval '2 hours', now() - interval '2 hours'
      FROM experiment_variants v, generate_series(1, 400) AS g WHERE v.experiment_id = ${experimentId}`.execute(
      database.db,
    );
    router = await startTestRouter(database.url);
    await router.post('/admin/reload', undefined, router.adminToken);
    const rows = await waitFor(async () => {
      const logged = await servedWeights(experimentId);
      return logged.length === 2 ? logged : undefined;
    });
    const config = await router.get('/admin/config');
    const served = Object.fromEntries(
      config.body.models[0].experiment.arms.map((a: { variant: string; weight: number }) => [
        a.variant,
        a.weight,
      ]),
    ) as Record<string, number>;
    assert.ok(served.treatment! > 0.9, JSON.stringify(config.body.models[0].experiment));

    const epochStart = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    for (const r of rows) {
      assert.equal(new Date(r.epoch_start).getTime(), epochStart);
      assert.equal(new Date(r.epoch_end).getTime(), epochStart + 3_600_000);
      assert.ok(
        Math.abs(r.weight - served[r.variant]!) < 1e-12,
        `${r.variant}: ${r.weight} vs ${served[r.variant]}`,
      );
    }
    // A second computation of the same epoch (another router, a reload) does not add rows.
    await router.post('/admin/reload', undefined, router.adminToken);
    assert.equal((await servedWeights(experimentId)).length, 2);

    // Decisions made once the weights are applied fall in 1 s periods that the epoch fully served.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (let i = 0; i < 50; i++) await router.post('/v1/route', { model: 'btc-1h', unitId: `u-${i}` });
    const periods = await loadPeriodAggregates(database.db, experimentId, 1_000);
    const withDecisions = periods.filter((p) => Object.values(p.arms).some((a) => (a.decisions ?? 0) > 0));
    assert.ok(withDecisions.length > 0);
    const checked = withDecisions.filter((p) => p.arms.control?.servedWeight !== undefined);
    assert.ok(checked.length > 0, 'at least the periods after the apply time carry the served weights');
    for (const p of checked) {
      assert.ok(Math.abs(p.arms.control!.servedWeight! - served.control!) < 1e-12);
      assert.ok(Math.abs(p.arms.treatment!.servedWeight! - served.treatment!) < 1e-12);
    }
    // The outcome-only periods two hours back were served by no logged epoch.
    const old = periods.filter((p) => p.start < epochStart - 3_600_000);
    assert.ok(old.length > 0 && old.every((p) => p.arms.control?.servedWeight === undefined));
  });

  it('a period spanning a weight change, or starting before the weights were applied, gets no servedWeight', async () => {
    const experimentId = await startExperiment(database.db, model, {
      strategy: 'epsilon_greedy',
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    const h = 3_600_000;
    const t0 = Date.parse('2026-01-05T00:00:00Z');
    const epoch = (k: number, applied: number, weights: [number, number]) =>
      sql`
      INSERT INTO experiment_served_weights (experiment_id, epoch_start, epoch_end, variant, weight, applied_at)
      VALUES (${experimentId}, ${new Date(t0 + k * h)}, ${new Date(t0 + (k + 1) * h)}, 'control', ${weights[0]}, ${new Date(applied)}),
             (${experimentId}, ${new Date(t0 + k * h)}, ${new Date(t0 + (k + 1) * h)}, 'treatment', ${weights[1]}, ${new Date(applied)})`.execute(
        database.db,
      );
    // Epoch 0 applied 1 s late (configured weights before); epoch 1 applied 1 s late with new weights.
    await epoch(0, t0 + 1_000, [0.5, 0.5]);
    await epoch(1, t0 + h + 1_000, [0.1, 0.9]);
    const at = (ms: number) => new Date(t0 + ms);
    await sql`
      INSERT INTO experiment_assignments (assignment_id, experiment_id, variant, unit_id, assigned_at)
      SELECT gen_random_uuid(), ${experimentId}::uuid, v, 'u-' || g, t
      FROM unnest(ARRAY[${at(0)}, ${at(30 * 60_000)}, ${at(h + 10)}, ${at(h + 30 * 60_000)}]::timestamptz[]) AS t,
           unnest(ARRAY['control', 'treatment']) AS v, generate_series(1, 3) AS g`.execute(database.db);
    const byMinute = await loadPeriodAggregates(database.db, experimentId, 60_000);
    const weightAt = (ms: number) => byMinute.find((p) => p.start === t0 + ms)?.arms.treatment?.servedWeight;
    assert.equal(weightAt(0), undefined, 'the first minute started before epoch 0 was applied');
    assert.equal(weightAt(30 * 60_000), 0.5);
    assert.equal(weightAt(h), undefined, 'the old weights served past the epoch end, into this minute');
    assert.equal(weightAt(h + 30 * 60_000), 0.9);
    const byTwoHours = await loadPeriodAggregates(database.db, experimentId, 2 * h);
    assert.ok(
      byTwoHours.every((p) => p.arms.treatment?.servedWeight === undefined),
      'a period spanning a change',
    );
  });
});
