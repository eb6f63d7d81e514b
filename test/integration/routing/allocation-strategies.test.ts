import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { compileAssigner } from '../../../src/routing/allocation';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  seedModel,
  startExperiment,
  startTestRouter,
  type SeededModel,
  type TestRouter,
} from './support/routing-fixtures';

const UNITS = 2_000;

/** Routes `count` distinct units (or one unit `count` times) and counts the variants served. */
async function split(
  router: TestRouter,
  count: number,
  unitOf: (i: number) => string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; start < count; start += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, (_, k) =>
        router.post('/v1/route', { model: 'btc-1h', unitId: unitOf(start + k) }),
      ),
    );
    for (const r of batch) {
      assert.equal(r.status, 200);
      const key = r.body.variant ?? 'none';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** |observed share − expected| within 4.5 binomial standard errors (a false alarm about once in 150,000 runs). */
function assertShare(counts: Map<string, number>, variant: string, expected: number, total: number): void {
  const observed = (counts.get(variant) ?? 0) / total;
  const tolerance = 4.5 * Math.sqrt((expected * (1 - expected)) / total);
  assert.ok(
    Math.abs(observed - expected) <= tolerance,
    `${variant}: ${observed.toFixed(3)} vs ${expected} ± ${tolerance.toFixed(3)} (${JSON.stringify([...counts])})`,
  );
}

/** Outcomes recorded an hour ago, so they count for the current adaptive epoch. */
async function seedOutcomes(
  database: TestDatabase,
  model: SeededModel,
  experimentId: string,
  arms: Record<string, { version: number; n: number; correct: number }>,
) {
  for (const [variant, arm] of Object.entries(arms)) {
    await sql`
      INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, experiment_id, variant, correct, prediction_at, recorded_at)
      SELECT gen_random_uuid(), ${model.modelId}::int8, ${model.versionIds.get(arm.version)!}::int8, ${experimentId}::uuid, ${variant},
             g <= ${arm.correct}, now() - interval '1 hour', now() - interval '1 hour'
      FROM generate_series(1, ${arm.n}) AS g`.execute(database.db);
  }
}

describe('routing service: allocation strategies', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let model: SeededModel;
  const routers: TestRouter[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    model = await seedModel(database.db, { versions: 3, champion: 1 });
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    await database.drop();
  });
  const start = async () => {
    const router = await startTestRouter(database.url);
    routers.push(router);
    return router;
  };

  it('hash: splits 2,000 units by weight (70/30), within sampling error, and matches compileAssigner', async () => {
    const salt = 'exp-hash-salt';
    await startExperiment(database.db, model, {
      salt,
      arms: [
        { variant: 'control', version: 1, weight: 0.7, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.3 },
      ],
    });
    const router = await start();
    const counts = await split(router, UNITS, (i) => `unit-${i}`);
    assertShare(counts, 'control', 0.7, UNITS);
    assertShare(counts, 'treatment', 0.3, UNITS);
    // The documented layout (control first, then by name) is what an offline replay compiles.
    const offline = compileAssigner({ salt, variants: ['control', 'treatment'], weights: [0.7, 0.3] });
    let agree = 0;
    for (let i = 0; i < 200; i++) {
      const r = await router.post('/v1/route', { model: 'btc-1h', unitId: `unit-${i}` });
      if (r.body.variant === offline.assign(`unit-${i}`)) agree++;
    }
    assert.equal(agree, 200);
  });

  it('hash: a unit keeps its arm on every request and on every router instance', async () => {
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'a', version: 1, weight: 0.34, isControl: true },
        { variant: 'b', version: 2, weight: 0.33 },
        { variant: 'c', version: 3, weight: 0.33 },
      ],
    });
    const [one, two] = [await start(), await start()];
    for (let i = 0; i < 50; i++) {
      const unitId = `sticky-${i}`;
      const answers = await Promise.all(
        [one, two, one, two, one].map((r) => r.post('/v1/route', { model: 'btc-1h', unitId })),
      );
      const variants = new Set(answers.map((a) => `${a.body.variant}/${a.body.version}`));
      assert.equal(variants.size, 1, `${unitId} got ${[...variants].join(', ')}`);
    }
  });

  it('hash: coverage 0.3 enrols about 30% of units; the rest get the champion with no assignment', async () => {
    await startExperiment(database.db, model, {
      coverage: 0.3,
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    const router = await start();
    const counts = await split(router, UNITS, (i) => `cov-${i}`);
    assertShare(counts, 'none', 0.7, UNITS);
    assertShare(counts, 'treatment', 0.15, UNITS);
    for (let i = 0; ; i++) {
      const r = await router.post('/v1/route', { model: 'btc-1h', unitId: `cov-${i}` });
      if (r.body.variant !== undefined) continue;
      assert.deepEqual(
        r.body,
        { model: 'btc-1h', version: 1 },
        'outside coverage: the champion, no assignment id',
      );
      break;
    }
  });

  it('random: splits by weight per request, and deliberately does not stick', async () => {
    await startExperiment(database.db, model, {
      strategy: 'random',
      arms: [
        { variant: 'control', version: 1, weight: 0.6, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.4 },
      ],
    });
    const router = await start();
    const counts = await split(router, UNITS, () => 'the-same-unit');
    assertShare(counts, 'control', 0.6, UNITS);
    assertShare(counts, 'treatment', 0.4, UNITS);
  });

  it('epsilon_greedy: serves the configured weights without data, then 1 − ε to the best arm', async () => {
    const experimentId = await startExperiment(database.db, model, {
      strategy: 'epsilon_greedy',
      policy: { routing: { epsilon: 0.2, reweightIntervalSeconds: 3600 } },
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    const router = await start();
    assertShare(await split(router, UNITS, (i) => `eg-${i}`), 'treatment', 0.5, UNITS);

    await seedOutcomes(database, model, experimentId, {
      control: { version: 1, n: 300, correct: 150 },
      treatment: { version: 2, n: 300, correct: 210 },
    });
    const reloaded = await router.post('/admin/reload', undefined, router.adminToken);
    const arms = reloaded.body.models[0].experiment.arms;
    assert.deepEqual(
      arms.map((a: { weight: number }) => a.weight),
      [0.2, 0.8],
    );
    const counts = await split(router, UNITS, (i) => `eg2-${i}`);
    assertShare(counts, 'treatment', 0.8, UNITS);
    assertShare(counts, 'control', 0.2, UNITS);

    // The weights are a pure function of the epoch and the outcomes before it, and units are hashed
    // into them: another router serves the same weights, and a unit keeps its arm within the epoch.
    const other = await start();
    const otherArms = (await other.post('/admin/reload', undefined, other.adminToken)).body.models[0]
      .experiment.arms;
    assert.deepEqual(
      otherArms.map((a: { weight: number }) => a.weight),
      [0.2, 0.8],
    );
    for (let i = 0; i < 30; i++) {
      const unitId = `eg3-${i}`;
      const answers = await Promise.all(
        [router, router, other].map((r) => r.post('/v1/route', { model: 'btc-1h', unitId })),
      );
      assert.equal(new Set(answers.map((a) => a.body.variant)).size, 1, unitId);
    }
  });

  it('thompson: moves traffic to the better arm with a 1% floor, identically on every router', async () => {
    const experimentId = await startExperiment(database.db, model, {
      strategy: 'thompson',
      policy: { routing: { reweightIntervalSeconds: 3600 } },
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    await seedOutcomes(database, model, experimentId, {
      control: { version: 1, n: 400, correct: 200 },
      treatment: { version: 2, n: 400, correct: 240 },
    });
    const [one, two] = [await start(), await start()];
    const configs = await Promise.all(
      [one, two].map((r) => r.post('/admin/reload', undefined, r.adminToken)),
    );
    const weights = configs.map((c) =>
      c.body.models[0].experiment.arms.map((a: { weight: number }) => a.weight),
    );
    assert.deepEqual(weights[0], weights[1], 'same epoch, same data, same seed: same weights');
    const [control, treatment] = weights[0] as [number, number];
    assert.ok(treatment > 0.9 && control >= 0.01 - 1e-12, `weights ${weights[0]}`);
    const counts = await split(one, UNITS, (i) => `ts-${i}`);
    assertShare(counts, 'treatment', treatment, UNITS);
    for (let i = 0; i < 30; i++) {
      const unitId = `ts-${i}`;
      const [a, b] = await Promise.all(
        [one, two].map((r) => r.post('/v1/route', { model: 'btc-1h', unitId })),
      );
      assert.equal(a!.body.variant, b!.body.variant);
    }
  });

  it('serves the champion and raises an alert when an experiment is misconfigured (weights not summing to 1)', async () => {
    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.4 },
      ],
    });
    const router = await start();
    const r = await router.post('/v1/route', { model: 'btc-1h', unitId: 'u1' });
    assert.deepEqual(r.body, { model: 'btc-1h', version: 1 });
    const config = await router.get('/admin/config');
    assert.match(config.body.problems[0].message, /weights: must sum to 1/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const alert = await database.db
      .selectFrom('alerts')
      .selectAll()
      .where('kind', '=', 'experiment_misconfigured')
      .executeTakeFirstOrThrow();
    assert.equal(alert.experiment_id, experimentId);
  });

  it('layers: experiments of two models in one layer never share a unit', async () => {
    const other = await seedModel(database.db, { name: 'eth-1h', versions: 2, champion: 1 });
    const arms = [
      { variant: 'control', version: 1, weight: 0.5, isControl: true },
      { variant: 'treatment', version: 2, weight: 0.5 },
    ];
    await startExperiment(database.db, model, {
      layer: 'execution',
      policy: { routing: { layerSlice: { start: 0, end: 5000 } } },
      arms,
    });
    await startExperiment(database.db, other, {
      layer: 'execution',
      policy: { routing: { layerSlice: { start: 5000, end: 10000 } } },
      arms,
    });
    const router = await start();
    let inA = 0;
    let inB = 0;
    for (let i = 0; i < 400; i++) {
      const unitId = `layer-${i}`;
      const [a, b] = await Promise.all([
        router.post('/v1/route', { model: 'btc-1h', unitId }),
        router.post('/v1/route', { model: 'eth-1h', unitId }),
      ]);
      assert.ok(!(a.body.variant && b.body.variant), `${unitId} is in both experiments`);
      if (a.body.variant) inA++;
      if (b.body.variant) inB++;
    }
    assert.ok(inA > 150 && inB > 150, `${inA} / ${inB}`);
  });
});
