import assert from 'node:assert/strict';
import { compileAssigner } from '../../../../src/routing/allocation/assigner';
import { thompsonWeights, type ThompsonInput } from '../../../../src/routing/allocation/thompson';
import { floorWeights } from '../../../../src/routing/allocation/weight-floor';
import { createRng } from '../../../../src/stats/random';
import { assertShares, inputError, normalCdf } from './helpers';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('thompsonWeights', () => {
  describe('the 100-units-per-arm rule', () => {
    it('returns the configured weights, untouched, while any arm has fewer than 100 units', () => {
      const rng = createRng(1);
      const result = thompsonWeights({
        reward: 'bernoulli',
        arms: [
          { n: 400, successes: 300 },
          { n: 99, successes: 10 },
          { n: 400, successes: 100 },
        ],
        configuredWeights: [0.2, 0.3, 0.5],
        rng,
      });
      assert.deepEqual(result, {
        weights: [0.2, 0.3, 0.5],
        updated: false,
        probabilityBest: null,
        reason: 'arm 1 has 99 units; every arm needs 100 before reweighting',
      });
      // No draws were spent: the generator is where a fresh one with the same seed starts.
      assert.equal(rng.next(), createRng(1).next());
    });

    it('reweights once every arm reaches 100 units, and honours a custom minimum', () => {
      const arms = [
        { n: 100, successes: 80 },
        { n: 100, successes: 20 },
      ];
      const at100 = thompsonWeights({
        reward: 'bernoulli',
        arms,
        configuredWeights: [0.5, 0.5],
        rng: createRng(2),
        mode: 'best',
      });
      assert.equal(at100.updated, true);
      assert.equal(at100.reason, 'reweighted from 10000 posterior draws');
      const stricter = thompsonWeights({
        reward: 'bernoulli',
        arms,
        configuredWeights: [0.5, 0.5],
        rng: createRng(2),
        minUnitsPerArm: 500,
      });
      assert.equal(stricter.updated, false);
      assert.equal(stricter.reason, 'arm 0 has 100 units; every arm needs 500 before reweighting');
    });
  });

  describe('the 1% floor', () => {
    it('keeps every arm at ≥ 1% and renormalises, even when one arm wins every draw', () => {
      const result = thompsonWeights({
        reward: 'bernoulli',
        arms: [
          { n: 5000, successes: 2500 },
          { n: 5000, successes: 2750 },
          { n: 5000, successes: 2000 },
        ],
        configuredWeights: [1 / 3, 1 / 3, 1 / 3],
        rng: createRng(1),
        mode: 'best',
      });
      assert.deepEqual(result.probabilityBest, [0, 1, 0]);
      assert.deepEqual(
        result.weights.map((w) => +w.toFixed(12)),
        [0.01, 0.98, 0.01],
      );
      assert.ok(Math.abs(sum(result.weights) - 1) < 1e-12);
    });

    it('applies in top-two mode too: the clearly worst of three arms sits exactly at the floor', () => {
      const result = thompsonWeights({
        reward: 'gaussian',
        arms: [
          { n: 2000, mean: 1.0, variance: 4 },
          { n: 2000, mean: 1.02, variance: 4 },
          { n: 2000, mean: -3, variance: 4 },
        ],
        configuredWeights: [1 / 3, 1 / 3, 1 / 3],
        rng: createRng(3),
      });
      assert.equal(+result.weights[2]!.toFixed(12), 0.01);
      assert.ok(
        Math.abs(result.weights[0]! - 0.495) < 1e-9 && Math.abs(result.weights[1]! - 0.495) < 1e-9,
        `${result.weights}`,
      );
    });

    it('floorWeights: every arm ≥ floor, sum 1, arms above the floor keep their ratios', () => {
      const rng = createRng(99);
      for (let t = 0; t < 500; t++) {
        const k = 2 + (t % 7);
        const raw = Array.from({ length: k }, () => rng.next() ** 6);
        const total = sum(raw);
        const weights = raw.map((w) => w / total);
        const floor = [0, 0.01, 0.05, 1 / k][t % 4]!;
        const out = floorWeights(weights, floor);
        assert.ok(Math.abs(sum(out) - 1) < 1e-12);
        out.forEach((w) => assert.ok(w >= floor - 1e-15, `${w} < ${floor}`));
        const free = out.map((w, i) => [w, weights[i]!] as const).filter(([w]) => w > floor + 1e-12);
        for (let i = 1; i < free.length; i++) {
          assert.ok(Math.abs(free[i]![0] / free[0]![0] - free[i]![1] / free[0]![1]) < 1e-9);
        }
      }
      const out = floorWeights([0.001, 0.299, 0.7], 0.01);
      assert.equal(out[0], 0.01);
      assert.ok(
        Math.abs(out[1]! - 0.299 * (0.99 / 0.999)) < 1e-15 &&
          Math.abs(out[2]! - 0.7 * (0.99 / 0.999)) < 1e-15,
      );
      assert.throws(
        () => floorWeights([0.5, 0.5], 0.6),
        inputError('floor', 'floor: must be in [0, 1/2] for 2 arms, got 0.6'),
      );
    });
  });

  describe('posterior correctness', () => {
    it('Gaussian P(best) matches Φ((m₁ − m₀)/√(v₀ + v₁)) within Monte-Carlo error', () => {
      const arms = [
        { n: 400, mean: 1.0, variance: 25 },
        { n: 400, mean: 1.4, variance: 30 },
      ];
      const result = thompsonWeights({
        reward: 'gaussian',
        arms,
        configuredWeights: [0.5, 0.5],
        rng: createRng(4),
        mode: 'best',
      });
      // Posterior with the N(0, 1e4) prior: precision 1e-4 + n/s², mean shrunk accordingly.
      const post = arms.map((a) => {
        const precision = 1e-4 + a.n / a.variance;
        return { mean: ((a.n / a.variance) * a.mean) / precision, variance: 1 / precision };
      });
      const expected = normalCdf(
        (post[1]!.mean - post[0]!.mean) / Math.sqrt(post[0]!.variance + post[1]!.variance),
      );
      const se = Math.sqrt((expected * (1 - expected)) / 10_000);
      assert.ok(
        Math.abs(result.probabilityBest![1]! - expected) < 4 * se,
        `${result.probabilityBest} vs ${expected}`,
      );
    });

    it('Beta–Bernoulli P(best) matches the normal approximation of two Beta posteriors', () => {
      const arms = [
        { n: 1000, successes: 500 },
        { n: 1000, successes: 520 },
      ];
      const result = thompsonWeights({
        reward: 'bernoulli',
        arms,
        configuredWeights: [0.5, 0.5],
        rng: createRng(5),
        mode: 'best',
      });
      const beta = arms.map(({ n, successes }) => {
        const a = 1 + successes;
        const b = 1 + n - successes;
        return { mean: a / (a + b), variance: (a * b) / ((a + b) ** 2 * (a + b + 1)) };
      });
      const expected = normalCdf(
        (beta[1]!.mean - beta[0]!.mean) / Math.sqrt(beta[0]!.variance + beta[1]!.variance),
      );
      const se = Math.sqrt((expected * (1 - expected)) / 10_000);
      assert.ok(
        Math.abs(result.probabilityBest![1]! - expected) < 4 * se + 0.005,
        `${result.probabilityBest} vs ${expected}`,
      );
    });

    it('top-two gives (#best + #second)/2M: exactly 50/50 with two arms, whatever the data', () => {
      const result = thompsonWeights({
        reward: 'bernoulli',
        arms: [
          { n: 1000, successes: 100 },
          { n: 1000, successes: 900 },
        ],
        configuredWeights: [0.5, 0.5],
        rng: createRng(6),
      });
      assert.deepEqual(result.weights, [0.5, 0.5]);
      assert.deepEqual(result.probabilityBest, [0, 1]);
    });

    it('direction "lower" favours the arm with the lower mean (e.g. slippage)', () => {
      const input: ThompsonInput = {
        reward: 'gaussian',
        arms: [
          { n: 500, mean: 3, variance: 1 },
          { n: 500, mean: 2, variance: 1 },
          { n: 500, mean: 2.05, variance: 1 },
        ],
        configuredWeights: [1 / 3, 1 / 3, 1 / 3],
        rng: createRng(7),
        mode: 'best',
        direction: 'lower',
      };
      const result = thompsonWeights(input);
      assert.equal(+result.weights[0]!.toFixed(12), 0.01);
      // P(arm 1 beats arm 2) ≈ Φ(0.05 / √(2/500)) ≈ 0.785; arm 0 is never best.
      assert.equal(result.probabilityBest![0], 0);
      assert.ok(
        Math.abs(result.probabilityBest![1]! - normalCdf(0.05 / Math.sqrt(2 / 500))) < 0.02,
        `${result.probabilityBest}`,
      );
    });

    it('is reproducible: same seed, same weights; another seed, close weights', () => {
      const input = (seed: number): ThompsonInput => ({
        reward: 'bernoulli',
        arms: [
          { n: 300, successes: 150 },
          { n: 300, successes: 160 },
          { n: 300, successes: 140 },
        ],
        configuredWeights: [1 / 3, 1 / 3, 1 / 3],
        rng: createRng(seed),
      });
      assert.deepEqual(thompsonWeights(input(11)), thompsonWeights(input(11)));
      const a = thompsonWeights(input(11)).weights;
      const b = thompsonWeights(input(12)).weights;
      a.forEach((w, i) => assert.ok(Math.abs(w - b[i]!) < 0.03));
    });

    it('Gaussian: a zero-variance arm borrows the pooled variance; knownVariance overrides every arm', () => {
      const arms = [
        { n: 200, mean: 0, variance: 0 },
        { n: 200, mean: 0.1, variance: 1 },
      ];
      const run = (variances: number[], knownVariance?: number): number[] =>
        thompsonWeights({
          reward: 'gaussian',
          arms: arms.map((a, i) => ({ ...a, variance: variances[i]! })),
          configuredWeights: [0.5, 0.5],
          rng: createRng(8),
          mode: 'best',
          knownVariance,
        }).probabilityBest!;
      // Pooled over both arms: (199 · 0 + 199 · 1) / 398 = 0.5.
      assert.deepEqual(run([0, 1]), run([0.5, 1]));
      assert.deepEqual(run([0, 1], 0.25), run([0.25, 0.25]));
      assert.throws(
        () =>
          thompsonWeights({
            reward: 'gaussian',
            arms: arms.map((a) => ({ ...a, variance: 0 })),
            configuredWeights: [0.5, 0.5],
            rng: createRng(8),
          }),
        inputError('arms', 'arms: every arm has zero sample variance; pass knownVariance'),
      );
    });
  });

  it('serves its weights through the hash assigner (the batch design): shares follow the weights', () => {
    const result = thompsonWeights({
      reward: 'bernoulli',
      arms: [
        { n: 2000, successes: 1000 },
        { n: 2000, successes: 1060 },
        { n: 2000, successes: 1040 },
      ],
      configuredWeights: [1 / 3, 1 / 3, 1 / 3],
      rng: createRng(10),
    });
    const variants = ['a', 'b', 'c'];
    const assigner = compileAssigner({ salt: 'bandit-1', variants, weights: result.weights });
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[variants.indexOf(assigner.assign(`order-${i}`)!)]!++;
    // Bucket ranges are whole buckets: compare with the shares the ranges actually realise.
    assertShares(
      counts,
      assigner.ranges.map((r) => (r.end - r.start) / 10_000),
      'bandit served by hash',
    );
  });

  it('validates its input with messages naming the field', () => {
    const rng = createRng(1);
    const arms = [
      { n: 100, successes: 50 },
      { n: 100, successes: 60 },
    ];
    const ok = { reward: 'bernoulli' as const, arms, configuredWeights: [0.5, 0.5], rng };
    assert.throws(
      () => thompsonWeights({ ...ok, arms: [{ n: 100, successes: 101 }, arms[1]!] }),
      inputError('arms[0].successes', 'arms[0].successes: must be at most n (100), got 101'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, arms: [{ n: 1.5, successes: 1 }, arms[1]!] }),
      inputError('arms[0].n', 'arms[0].n: must be an integer >= 0, got 1.5'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, configuredWeights: [0.5, 0.4] }),
      inputError('configuredWeights', 'configuredWeights: must sum to 1, got 0.9'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, configuredWeights: [1] }),
      inputError('configuredWeights', 'configuredWeights: must have one weight per variant (2), got 1'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, floor: 0.6 }),
      inputError('floor', 'floor: must be in [0, 1/2] for 2 arms, got 0.6'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, draws: 0 }),
      inputError('draws', 'draws: must be an integer >= 1, got 0'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, prior: { alpha: 0, beta: 1 } }),
      inputError('prior.alpha', 'prior.alpha: must be a finite number > 0, got 0'),
    );
    assert.throws(
      () => thompsonWeights({ ...ok, arms: [] }),
      inputError('arms', 'arms: must have at least 1 arm, got 0'),
    );
    assert.throws(
      () =>
        thompsonWeights({
          reward: 'gaussian',
          arms: [{ n: 100, mean: 0, variance: -1 }],
          configuredWeights: [1],
          rng,
        }),
      inputError('arms[0].variance', 'arms[0].variance: must be a finite number >= 0, got -1'),
    );
  });
});
