import assert from 'node:assert/strict';
import {
  adjustPValues,
  chiSquareFromProfile,
  chiSquareTest,
  detectDrift,
  fitReferenceProfile,
  jensenShannonDistance,
  jensenShannonFromProfile,
  kolmogorovSf,
  ksFromProfile,
  ksTwoSample,
  kstwoSf,
  normalizedWasserstein,
  psi,
  psiFromCounts,
  psiFromProfile,
  smirnovSf,
  wassersteinDistance,
  wassersteinFromProfile,
} from '../../../../src/stats';

// Every `### Examples` block in src/stats/drift shows a call and its output; these pin the outputs.
describe('drift TSDoc examples', () => {
  it('ksTwoSample', () => {
    assert.deepEqual(ksTwoSample([1, 2, 3, 4], [5, 6, 7, 8]), {
      statistic: 1,
      pValue: 0.028571428571428577,
      method: 'exact',
    });
    assert.deepEqual(ksTwoSample([1, 2, 3], [1, 2, 3]), { statistic: 0, pValue: 1, method: 'exact' });
  });
  it('kstwoSf, kolmogorovSf, smirnovSf', () => {
    assert.equal(kstwoSf(100, 0.1), 0.2526927570063875);
    assert.equal(kstwoSf(5000, 0.03), 0.0002415923442266681);
    assert.ok(Math.abs(kolmogorovSf(1.3580986393225505) - 0.05) < 1e-15);
    assert.equal(kolmogorovSf(0), 1);
    assert.equal(smirnovSf(10, 0.3), 0.13546355559999998);
    assert.equal(smirnovSf(1, 0.25), 0.75);
  });
  it('wassersteinDistance and normalizedWasserstein', () => {
    assert.equal(wassersteinDistance([0, 1, 3], [5, 6, 8]), 5);
    assert.equal(wassersteinDistance([3.4, 3.9, 7.5, 7.8], [4.5, 1.4]), 2.7);
    assert.equal(normalizedWasserstein([0, 2, 4, 6], [1, 3, 5, 7]), 0.4472135954999579);
    assert.equal(normalizedWasserstein([5, 5, 5], [5, 5]), 0);
  });
  it('psi and psiFromCounts', () => {
    assert.equal(psi([1, 2, 3, 4], [1, 2, 3, 4], { bins: 2 }), 0);
    assert.equal(psi([1, 2, 3, 4], [3, 4, 4, 4], { bins: 2 }), 4.60431846666895);
    assert.equal(psiFromCounts([50, 50], [50, 50]), 0);
    assert.equal(psiFromCounts([60, 40], [40, 60]), 0.1621860432432657);
  });
  it('jensenShannonDistance', () => {
    assert.equal(jensenShannonDistance([1, 0], [0, 1]), 1);
    assert.equal(jensenShannonDistance([1, 0, 0], [1, 1, 0]), 0.5579230452841438);
  });
  it('chiSquareTest', () => {
    assert.deepEqual(chiSquareTest([10, 20, 30], [10, 20, 30]), { statistic: 0, df: 2, pValue: 1 });
    assert.deepEqual(chiSquareTest([30, 10], [10, 30]), {
      statistic: 20,
      df: 1,
      pValue: 0.000007744216431044086,
    });
  });
  it('adjustPValues', () => {
    assert.deepEqual(adjustPValues([0.01, 0.04, 0.03], 'bonferroni'), [0.03, 0.12, 0.09]);
    assert.deepEqual(adjustPValues([0.01, 0.04, 0.03], 'bh'), [0.030000000000000002, 0.04, 0.04]);
  });
  it('profile functions', () => {
    assert.deepEqual(ksFromProfile(fitReferenceProfile([1, 2, 3, 4]), [5, 6, 7, 8]), {
      statistic: 1,
      pValue: 0.028571428571428577,
      method: 'exact',
    });
    assert.equal(wassersteinFromProfile(fitReferenceProfile([0, 1, 3]), [5, 6, 8]), 5);
    assert.equal(psiFromProfile(fitReferenceProfile([1, 2, 3, 4], { psiBins: 2 }), [1, 2, 3, 4]), 0);
    assert.equal(psiFromProfile(fitReferenceProfile(['a', 'b']), ['a', 'a']), 4.60431846666895);
    assert.equal(jensenShannonFromProfile(fitReferenceProfile(['a', 'b']), ['c', 'c']), 1);
    assert.equal(
      chiSquareFromProfile(fitReferenceProfile(['a', 'a', 'a', 'b']), ['a', 'b', 'b', 'b']).statistic,
      2,
    );
  });
  it('detectDrift', () => {
    const profiles = {
      price: fitReferenceProfile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      venue: fitReferenceProfile(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']),
    };
    const report = detectDrift(
      profiles,
      {
        price: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        venue: ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'b'],
      },
      { minRows: 10, effectiveSampleSize: false },
    );
    assert.deepEqual(report, {
      drifted: false,
      share: 0,
      shareThreshold: 0.5,
      thresholds: 'fixed',
      driftedCount: 0,
      testedCount: 2,
      correction: 'bh',
      skipped: [],
      features: [
        {
          name: 'price',
          type: 'numeric',
          method: 'ks',
          statistic: 0.4,
          pValue: 0.41752365281777043,
          adjustedPValue: 0.41752365281777043,
          threshold: 0.05,
          thresholdSource: 'fixed',
          drifted: false,
          referenceRows: 10,
          currentRows: 10,
        },
        {
          name: 'venue',
          type: 'categorical',
          method: 'chisquare',
          statistic: 3.8095238095238093,
          pValue: 0.050961936967763334,
          adjustedPValue: 0.10192387393552667,
          threshold: 0.05,
          thresholdSource: 'fixed',
          drifted: false,
          referenceRows: 10,
          currentRows: 10,
        },
      ],
    });
  });
});
