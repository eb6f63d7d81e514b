import assert from 'node:assert/strict';
import * as s from '../../../../src/stats';

// Every `### Examples` output quoted in the TSDoc of the experiment, trading and distribution modules,
// re-evaluated so the documentation cannot drift from the code. Numbers are compared exactly (they
// were pasted from these calls); "≈" examples are checked to the precision quoted.

describe('TSDoc examples print what the code returns', () => {
  it('experiment statistics', () => {
    assert.deepEqual(
      s.twoProportionZTest({ successes: 550, trials: 1000 }, { successes: 600, trials: 1000 }),
      {
        diff: 0.04999999999999993,
        z: 2.2616563651595003,
        pValue: 0.023718642632191603,
        ci: [0.006725166954817875, 0.093274833045182],
      },
    );
    assert.deepEqual(s.welchTTest({ n: 50, mean: 1.0, variance: 4 }, { n: 60, mean: 2.0, variance: 9 }), {
      diff: 1,
      t: 2.0851441405707476,
      df: 103.32673468008919,
      pValue: 0.03952052849195066,
      ci: [0.04889567387881666, 1.9511043261211833],
    });
    assert.deepEqual(s.srmTest([5000, 5000], [0.5, 0.5]), { chi2: 0, df: 1, pValue: 1, mismatch: false });
    assert.deepEqual(s.srmTest([10000, 10500], [0.5, 0.5]), {
      chi2: 12.195121951219512,
      df: 1,
      pValue: 0.0004791464345873004,
      mismatch: true,
    });
    const look1 = s.sequentialTest({ n: 500, mean: 0, variance: 1 }, { n: 500, mean: 0.2, variance: 1 });
    assert.deepEqual(look1, {
      diff: 0.2,
      pValue: 0.07485983371183516,
      ci: [-0.012750940131150051, 0.4127509401311501],
      tau2: 0.006348923681390052,
    });
    const look2 = s.sequentialTest(
      { n: 600, mean: 0, variance: 1 },
      { n: 600, mean: 0.1, variance: 1 },
      { previousPValue: look1.pValue },
    );
    assert.equal(look2.pValue, 0.07485983371183516);
    assert.deepEqual(s.sampleSizePerArm({ sd: 1, mde: 0.1 }), {
      control: 1570,
      treatment: 1570,
      total: 3140,
    });
    assert.deepEqual(s.sampleSizePerArm({ sd: 1, mde: 0.1, ratio: 2 }), {
      control: 1178,
      treatment: 2355,
      total: 3533,
    });
    assert.deepEqual(s.sampleSizeForProportions({ baselineRate: 0.1, mde: 0.01 }), {
      control: 14749,
      treatment: 14749,
      total: 29498,
    });
    assert.deepEqual(s.sequentialSampleSize({ sd: 1, mde: 0.1 }), {
      fixedHorizon: { control: 1570, treatment: 1570, total: 3140 },
      maximum: { control: 2573, treatment: 2573, total: 5146 },
      expectedControl: 1605.96275,
      ratioToFixed: 1.6388535031847133,
      powerAtHorizon: 1,
    });
    assert.equal(
      s.probabilityToBeatControl({ successes: 10, trials: 100 }, { successes: 15, trials: 100 }),
      0.8532837899339702,
    );
    assert.equal(
      s.probabilityToBeatControl({ n: 100, mean: 0, variance: 1 }, { n: 100, mean: 0.2, variance: 1 }),
      0.9213503964748575,
    );
    assert.deepEqual(
      s.probabilityBest(
        [
          { successes: 10, trials: 100 },
          { successes: 15, trials: 100 },
          { successes: 12, trials: 100 },
        ],
        { draws: 20000, seed: 7 },
      ),
      [0.09785, 0.6628, 0.23935],
    );
    assert.deepEqual(s.holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]);
    assert.deepEqual(s.benjaminiHochberg([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02]);
    assert.deepEqual(
      s.bootstrapPairedDifference([0.69, 0.51, 0.4, 0.62], [0.7, 0.55, 0.41, 0.66], { seed: 1, draws: 2000 }),
      {
        estimate: -0.025000000000000022,
        ci: [-0.040000000000000036, -0.010000000000000007],
        se: 0.007599777763923923,
      },
    );
    assert.deepEqual(s.momentsOf([1, 2, 3, 4]), { n: 4, mean: 2.5, variance: 1.6666666666666667 });
  });

  it('trading metrics', () => {
    assert.equal(s.sharpeRatio([0.01, 0.02, -0.01, 0.03]), 0.7319250547114);
    assert.equal(s.sharpeRatio([0.01, 0.02, -0.01, 0.03], { periodsPerYear: 252 }), 11.618950038622254);
    assert.equal(s.maxDrawdown([0.1, -0.5, 0.2]), 0.5);
    assert.equal(s.maxDrawdown([0.1, -0.5, 0.2], { mode: 'sum' }), 0.5);
    assert.equal(s.maxDrawdown([-0.1, -0.1]), 0.19);
    assert.equal(s.defaultNeweyWestLags(100), 4);
    assert.equal(s.defaultNeweyWestLags(100000), 18);
    assert.equal(s.neweyWestVariance([1, 2, 3, 4, 5], 1), 2.8);
    assert.equal(s.neweyWestStandardError([1, 2, 3, 4, 5], 1), 0.7483314773547882);
    assert.equal(s.probabilisticSharpeRatio([0.01, 0.02, -0.01, 0.03, 0.015, -0.005]), 0.9133455686458899);
    assert.deepEqual(
      s.compareMeanReturns([0.01, -0.02, 0.015, 0.0, 0.005], [0.02, 0.01, 0.025, -0.005, 0.03]),
      {
        diff: 0.014,
        se: 0.004049691346263317,
        z: 3.4570535882735642,
        pValue: 0.0005461162375926015,
        ci: [0.006062750812820384, 0.021937249187179618],
      },
    );
  });

  it('distributions', () => {
    const cases: Array<[number, number]> = [
      [s.normalPdf(0), 0.3989422804014327],
      [s.normalPdf(40), 0],
      [s.normalCdf(1.959963984540054), 0.9750000000000001],
      [s.normalCdf(-10), 7.619853024160523e-24],
      [s.normalSf(1.959963984540054), 0.02499999999999991],
      [s.normalSf(37), 5.7255712225245784e-300],
      [s.normalQuantile(0.975), 1.9599639845400516],
      [s.normalQuantile(1e-300), -37.0470962993612],
      [s.logGamma(0.5), 0.5723649429247001],
      [s.logGamma(100), 359.1342053695754],
      [s.logBeta(0.5, 0.5), 1.1447298858494002],
      [s.logBeta(1e5, 2), -23.025860929890456],
      [s.regularizedGammaP(1, 1), 0.6321205588285579],
      [s.regularizedGammaP(100, 50), 3.2000653245851387e-10],
      [s.regularizedGammaQ(1, 1), 0.3678794411714421],
      [s.regularizedGammaQ(0.5, 700), 2.101014516264285e-306],
      [s.regularizedIncompleteBeta(0.5, 2, 3), 0.6874999999999999],
      [s.regularizedIncompleteBeta(1e-10, 5, 5), 1.2599999995799941e-48],
      [s.betaCdf(0.3, 1, 1), 0.3],
      [s.betaCdf(0.5, 10, 10), 0.4999999999999978],
      [s.betaSf(0.3, 1, 1), 0.7],
      [s.betaSf(0.999, 2, 50), 5.095000000000053e-149],
      [s.chiSquareSf(3.841458820694124, 1), 0.0500000000000001],
      [s.chiSquareSf(1400, 1), 2.101014516264285e-306],
      [s.chiSquareCdf(3.841458820694124, 1), 0.95],
      [s.chiSquareCdf(2, 2), 0.6321205588285579],
      [s.studentTSf(2.228138851986274, 10), 0.024999999999999998],
      [s.studentTSf(1e10, 3), 1.1026577908435888e-30],
      [s.studentTCdf(0, 5), 0.5],
      [s.studentTCdf(-2.228138851986274, 10), 0.024999999999999998],
      [s.studentTPdf(0, 1), 0.3183098861837907],
      [s.studentTQuantile(0.975, 10), 2.2281388519862735],
      [s.studentTQuantile(0.975, Infinity), 1.9599639845400516],
    ];
    cases.forEach(([got, want], i) => assert.equal(got, want, `example ${i}`));
  });
});
