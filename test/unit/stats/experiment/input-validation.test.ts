import assert from 'node:assert/strict';
import {
  benjaminiHochberg,
  bootstrapPairedDifference,
  compareMeanReturns,
  holm,
  maxDrawdown,
  momentsOf,
  neweyWestVariance,
  probabilisticSharpeRatio,
  probabilityBest,
  probabilityToBeatControl,
  sampleSizeForProportions,
  sampleSizePerArm,
  sequentialSampleSize,
  sequentialTest,
  sharpeRatio,
  srmTest,
  StatsInputError,
  twoProportionZTest,
  welchTTest,
} from '../../../../src/stats';
import type { Moments, Proportion } from '../../../../src/stats';

/** Asserts `fn` throws a StatsInputError for `argument` with exactly `message`. */
function rejects(fn: () => unknown, argument: string, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StatsInputError, `expected StatsInputError, got ${String(error)}`);
    assert.equal(error.argument, argument);
    assert.equal(error.message, `${argument}: ${message}`);
    return true;
  });
}

const p = (successes: number, trials: number): Proportion => ({ successes, trials });
const m = (n: number, mean: number, variance: number): Moments => ({ n, mean, variance });

describe('experiment statistics reject bad input with StatsInputError naming the argument', () => {
  it('twoProportionZTest: negative, fractional and impossible counts; alpha outside (0, 1)', () => {
    rejects(
      () => twoProportionZTest(p(-1, 10), p(1, 10)),
      'control.successes',
      'must be a non-negative integer, got -1',
    );
    rejects(
      () => twoProportionZTest(p(1, 10), p(1.5, 10)),
      'treatment.successes',
      'must be a non-negative integer, got 1.5',
    );
    rejects(
      () => twoProportionZTest(p(11, 10), p(1, 10)),
      'control.successes',
      'must not exceed trials (11 > 10)',
    );
    rejects(() => twoProportionZTest(p(0, 0), p(1, 10)), 'control.trials', 'must be at least 1');
    rejects(
      () => twoProportionZTest(p(1, 10), p(1, Infinity)),
      'treatment.trials',
      'must be a non-negative integer, got Infinity',
    );
    rejects(
      () => twoProportionZTest(p(1, 10), p(1, 10), { alpha: 1.5 }),
      'alpha',
      'must be in (0, 1), got 1.5',
    );
    rejects(
      () => twoProportionZTest(p(1, 10), p(1, 10), { alpha: NaN }),
      'alpha',
      'must be in (0, 1), got NaN',
    );
  });

  it('welchTTest: n below 2, non-finite means, negative or infinite variances', () => {
    rejects(() => welchTTest(m(1, 0, 0), m(5, 0, 1)), 'control.n', 'must be at least 2, got 1');
    rejects(() => welchTTest(m(5, 0, 1), m(5, NaN, 1)), 'treatment.mean', 'must be a finite number, got NaN');
    rejects(
      () => welchTTest(m(5, 0, -1), m(5, 0, 1)),
      'control.variance',
      'must be a non-negative finite number, got -1',
    );
    rejects(
      () => welchTTest(m(5, 0, 1), m(5, 0, Infinity)),
      'treatment.variance',
      'must be a non-negative finite number, got Infinity',
    );
    rejects(
      () => welchTTest(m(5.5, 0, 1), m(5, 0, 1)),
      'control.n',
      'must be a non-negative integer, got 5.5',
    );
  });

  it('srmTest: too few arms, bad counts, weights of the wrong length or not summing to 1', () => {
    rejects(() => srmTest([], []), 'observed', 'must have at least 2 arms, got 0');
    rejects(() => srmTest([10, 2.5], [0.5, 0.5]), 'observed[1]', 'must be a non-negative integer, got 2.5');
    rejects(() => srmTest([10, -3], [0.5, 0.5]), 'observed[1]', 'must be a non-negative integer, got -3');
    rejects(() => srmTest([0, 0], [0.5, 0.5]), 'observed', 'must not be all zero');
    rejects(() => srmTest([10, 10], [0.5, 0.25, 0.25]), 'weights', 'must have one weight per arm (2), got 3');
    rejects(() => srmTest([10, 10], [0.5, 0.4]), 'weights', 'must sum to 1 (within 1e-9), got 0.9');
    rejects(() => srmTest([10, 10], [1, 0]), 'weights[1]', 'must be a positive finite number, got 0');
    rejects(() => srmTest([10, 10], [0.5, NaN]), 'weights[1]', 'must be a positive finite number, got NaN');
  });

  it('sequentialTest: previous p-value outside [0, 1], non-positive tau2 or tuningN', () => {
    rejects(
      () => sequentialTest(m(5, 0, 1), m(5, 0, 1), { previousPValue: 1.2 }),
      'previousPValue',
      'must be a probability in [0, 1], got 1.2',
    );
    rejects(
      () => sequentialTest(m(5, 0, 1), m(5, 0, 1), { tau2: 0 }),
      'tau2',
      'must be a positive finite number, got 0',
    );
    rejects(
      () => sequentialTest(m(5, 0, 1), m(5, 0, 1), { tuningN: -5 }),
      'tuningN',
      'must be a positive finite number, got -5',
    );
    rejects(() => sequentialTest(m(5, 0, 1), m(5, 0, 1), { alpha: 0 }), 'alpha', 'must be in (0, 1), got 0');
  });

  it('sample sizes: non-positive sd, zero MDE, power outside (0, 1), rates outside (0, 1)', () => {
    rejects(() => sampleSizePerArm({ sd: 0, mde: 1 }), 'sd', 'must be a positive finite number, got 0');
    rejects(() => sampleSizePerArm({ sd: 1, mde: 0 }), 'mde', 'must be a non-zero finite number, got 0');
    rejects(() => sampleSizePerArm({ sd: 1, mde: 0.1, power: 1 }), 'power', 'must be in (0, 1), got 1');
    rejects(
      () => sampleSizePerArm({ sd: 1, mde: 0.1, ratio: -2 }),
      'ratio',
      'must be a positive finite number, got -2',
    );
    rejects(
      () => sampleSizeForProportions({ baselineRate: 1.2, mde: 0.1 }),
      'baselineRate',
      'must be in (0, 1), got 1.2',
    );
    rejects(
      () => sampleSizeForProportions({ baselineRate: 0.95, mde: 0.1 }),
      'mde',
      'must keep baselineRate + mde in (0, 1), got 1.05',
    );
    rejects(
      () => sequentialSampleSize({ sd: 1, mde: 0.1, simulations: 5 }),
      'simulations',
      'must be at least 10, got 5',
    );
  });

  it('Bayesian summaries: mixed arm kinds, bad priors, too few arms, bad draws and seeds', () => {
    rejects(
      () => probabilityToBeatControl(p(1, 10), m(5, 0, 1) as unknown as Proportion),
      'treatment',
      'must be the same kind of summary as control (both Proportion or both Moments)',
    );
    rejects(
      () => probabilityToBeatControl(p(1, 10), p(2, 10), { prior: { alpha: 0, beta: 1 } }),
      'prior.alpha',
      'must be a positive finite number, got 0',
    );
    rejects(
      () => probabilityBest([p(1, 10)], { seed: 1 }),
      'arms',
      'must be an array of at least 2 arms, got 1',
    );
    rejects(
      () => probabilityBest([p(1, 10), p(2, 10)], { seed: 1, draws: 0 }),
      'draws',
      'must be at least 1',
    );
    rejects(
      () => probabilityBest([p(1, 10), p(2, 10)], { seed: NaN }),
      'seed',
      'must be a finite number, got NaN',
    );
  });

  it('multiple testing: empty families, p-values outside [0, 1] or NaN', () => {
    rejects(() => holm([]), 'pValues', 'must not be empty');
    rejects(() => holm([0.1, 1.5]), 'pValues[1]', 'must be a probability in [0, 1], got 1.5');
    rejects(() => benjaminiHochberg([NaN]), 'pValues[0]', 'must be a probability in [0, 1], got NaN');
    rejects(() => benjaminiHochberg([-0.1]), 'pValues[0]', 'must be a probability in [0, 1], got -0.1');
  });

  it('paired bootstrap: unequal lengths, too short, non-finite values, bad statistic', () => {
    rejects(
      () => bootstrapPairedDifference([1, 2, 3], [1, 2], { seed: 1 }),
      'b',
      'must be paired with a (same length 3), got 2',
    );
    rejects(
      () => bootstrapPairedDifference([1], [1], { seed: 1 }),
      'a',
      'must have at least 2 values, got 1',
    );
    rejects(
      () => bootstrapPairedDifference([1, 2, Infinity], [1, 2, 3], { seed: 1 }),
      'a[2]',
      'must be a finite number, got Infinity',
    );
    rejects(
      () => bootstrapPairedDifference([1, 2], [1, 2], { seed: 1, statistic: () => NaN }),
      'statistic',
      'returned NaN for a; it must return a finite number',
    );
    rejects(() => momentsOf([]), 'values', 'must not be empty');
  });

  it('trading metrics: too few returns, constant series, returns below −1, bad lags', () => {
    rejects(() => sharpeRatio([0.01]), 'returns', 'must have at least 2 values, got 1');
    rejects(
      () => sharpeRatio([0.01, 0.01, 0.01]),
      'returns',
      'have zero standard deviation, so the Sharpe ratio is undefined',
    );
    rejects(() => sharpeRatio([0.01, NaN]), 'returns[1]', 'must be a finite number, got NaN');
    rejects(() => maxDrawdown([]), 'returns', 'must not be empty');
    rejects(() => maxDrawdown([0.1, -1.5]), 'returns[1]', 'must be ≥ −1 in compound mode, got -1.5');
    rejects(() => neweyWestVariance([1, 2, 3], 1.5), 'lags', 'must be a non-negative integer, got 1.5');
    rejects(() => neweyWestVariance([1, 2, 3], -1), 'lags', 'must be a non-negative integer, got -1');
    rejects(
      () => probabilisticSharpeRatio([0.1, 0.2], NaN),
      'benchmarkSharpe',
      'must be a finite number, got NaN',
    );
    rejects(() => compareMeanReturns([], [0.1, 0.2]), 'controlReturns', 'must have at least 2 values, got 0');
  });
});

describe('degenerate inputs give the documented explicit results, never NaN', () => {
  it('welchTTest with both variances zero', () => {
    assert.deepEqual(welchTTest(m(3, 2, 0), m(4, 2, 0)), { diff: 0, t: 0, df: 5, pValue: 1, ci: [0, 0] });
    assert.deepEqual(welchTTest(m(3, 2, 0), m(4, 3, 0)), {
      diff: 1,
      t: Infinity,
      df: 5,
      pValue: 0,
      ci: [1, 1],
    });
  });

  it('twoProportionZTest with no variation at all', () => {
    const result = twoProportionZTest(p(0, 50), p(0, 80));
    assert.equal(result.z, 0);
    assert.equal(result.pValue, 1);
    assert.deepEqual(result.ci, [0, 0]);
  });

  it('sequentialTest with constant arms keeps the previous p or rejects', () => {
    assert.equal(sequentialTest(m(5, 1, 0), m(5, 1, 0), { previousPValue: 0.4 }).pValue, 0.4);
    assert.equal(sequentialTest(m(5, 1, 0), m(5, 2, 0)).pValue, 0);
  });

  it('probabilityToBeatControl with constant arms and compareMeanReturns with constant series', () => {
    assert.equal(probabilityToBeatControl(m(5, 1, 0), m(5, 1, 0)), 0.5);
    assert.equal(probabilityToBeatControl(m(5, 1, 0), m(5, 0, 0)), 0);
    assert.deepEqual(compareMeanReturns([0.1, 0.1], [0.1, 0.1, 0.1]), {
      diff: 0,
      se: 0,
      z: 0,
      pValue: 1,
      ci: [0, 0],
    });
  });

  it('a seeded sweep over valid random inputs never produces NaN', () => {
    let state = 12345;
    const uniform = (): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    for (let i = 0; i < 500; i++) {
      const nA = 1 + Math.floor(uniform() ** 3 * 1e5);
      const nB = 1 + Math.floor(uniform() ** 3 * 1e5);
      const xA = Math.floor(uniform() * (nA + 1));
      const xB = Math.floor(uniform() * (nB + 1));
      const z = twoProportionZTest(p(xA, nA), p(xB, nB), { pooled: uniform() < 0.5 });
      const prob = probabilityToBeatControl(p(xA, nA), p(xB, nB));
      const ma = m(Math.max(2, nA), uniform() - 0.5, uniform() < 0.1 ? 0 : uniform() * 10);
      const mb = m(Math.max(2, nB), uniform() - 0.5, uniform() < 0.1 ? 0 : uniform() * 10);
      const w = welchTTest(ma, mb);
      const s = sequentialTest(ma, mb, { previousPValue: uniform() });
      const values = [z.z, z.pValue, ...z.ci, prob, w.t, w.df, w.pValue, ...w.ci, s.pValue, ...s.ci, s.tau2];
      for (const v of values) assert.ok(!Number.isNaN(v), `NaN at iteration ${i}`);
    }
  });
});
