import assert from 'node:assert/strict';
import {
  bootstrapPairedDifference,
  createRng,
  probabilityBest,
  probabilityToBeatControl,
  sequentialTest,
  srmTest,
} from '../../../../src/stats';

describe('experiment statistics: behaviour beyond the golden vectors', () => {
  it('sequentialTest p-values never increase across looks and the interval narrows as data accrue', () => {
    const rng = createRng(9);
    let sumA = 0;
    let sumB = 0;
    let sqA = 0;
    let sqB = 0;
    let previous = 1;
    let previousWidth = Infinity;
    for (let n = 1; n <= 5000; n++) {
      const a = rng.normal();
      const b = rng.normal() + 0.05;
      sumA += a;
      sumB += b;
      sqA += a * a;
      sqB += b * b;
      if (n % 250 !== 0) continue;
      const arm = (s: number, q: number) => ({ n, mean: s / n, variance: (q - (s * s) / n) / (n - 1) });
      const look = sequentialTest(arm(sumA, sqA), arm(sumB, sqB), { previousPValue: previous, tau2: 0.01 });
      assert.ok(look.pValue <= previous);
      assert.ok(look.ci[0] <= look.diff && look.diff <= look.ci[1]);
      const width = look.ci[1] - look.ci[0];
      assert.ok(width < previousWidth);
      previous = look.pValue;
      previousWidth = width;
    }
  });

  it('probabilityToBeatControl is symmetric: P(B > A) + P(A > B) = 1 for proportions', () => {
    const a = { successes: 123, trials: 1000 };
    const b = { successes: 140, trials: 1010 };
    const forward = probabilityToBeatControl(a, b);
    const backward = probabilityToBeatControl(b, a);
    assert.ok(Math.abs(forward + backward - 1) < 1e-12);
    const jeffreys = { prior: { alpha: 0.5, beta: 0.5 } };
    assert.ok(
      Math.abs(probabilityToBeatControl(a, b, jeffreys) + probabilityToBeatControl(b, a, jeffreys) - 1) <
        1e-9,
    );
  });

  it('probabilityBest sums to 1, is reproducible per seed, and agrees with the exact two-arm answer', () => {
    const arms = [
      { successes: 10, trials: 100 },
      { successes: 15, trials: 100 },
    ];
    const first = probabilityBest(arms, { seed: 4, draws: 20000 });
    assert.deepEqual(first, probabilityBest(arms, { seed: 4, draws: 20000 }));
    assert.ok(Math.abs((first[0] as number) + (first[1] as number) - 1) < 1e-12);
    const exact = probabilityToBeatControl(arms[0] as (typeof arms)[0], arms[1] as (typeof arms)[0]);
    assert.ok(Math.abs((first[1] as number) - exact) < 5 * Math.sqrt((exact * (1 - exact)) / 20000));
    const lower = probabilityBest(arms, { seed: 4, draws: 20000, higherIsBetter: false });
    assert.ok((lower[0] as number) > 0.5);
  });

  it('bootstrapPairedDifference is reproducible and its 95% interval covers the true mean difference about 95% of the time', () => {
    const rng = createRng(21);
    let covered = 0;
    const datasets = 200;
    for (let d = 0; d < datasets; d++) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 60; i++) {
        const shared = rng.normal();
        a.push(shared + 0.1 + 0.3 * rng.normal());
        b.push(shared + 0.3 * rng.normal());
      }
      const result = bootstrapPairedDifference(a, b, { seed: d, draws: 500 });
      if (result.ci[0] <= 0.1 && 0.1 <= result.ci[1]) covered++;
    }
    const coverage = covered / datasets;
    assert.ok(coverage > 0.88 && coverage <= 1, `coverage ${coverage}`);
    const x = [0.2, 0.4, 0.1, 0.9, 0.5];
    const y = [0.25, 0.35, 0.2, 0.8, 0.55];
    assert.deepEqual(
      bootstrapPairedDifference(x, y, { seed: 3 }),
      bootstrapPairedDifference(x, y, { seed: 3 }),
    );
    assert.deepEqual(bootstrapPairedDifference(x, x, { seed: 3 }), { estimate: 0, ci: [0, 0], se: 0 });
  });

  it('srmTest flags practical imbalance only: a huge experiment with a 0.05% skew is not a mismatch', () => {
    const tiny = srmTest([50_050_000, 49_950_000], [0.5, 0.5]);
    assert.ok(tiny.pValue < 0.001);
    assert.equal(tiny.mismatch, false);
    assert.equal(srmTest([10_000, 10_500], [0.5, 0.5]).mismatch, true);
  });
});
