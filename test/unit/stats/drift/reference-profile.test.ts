import assert from 'node:assert/strict';
import {
  chiSquareFromProfile,
  chiSquareTest,
  fitReferenceProfile,
  jensenShannonDistance,
  jensenShannonFromProfile,
  ksFromProfile,
  ksTwoSample,
  psi,
  psiFromCounts,
  psiFromProfile,
  StatsInputError,
  wassersteinDistance,
  wassersteinFromProfile,
  type NumericReferenceProfile,
} from '../../../../src/stats';
import { realize } from './sample-spec';

const normal = (seed: number, n: number, deltaSd = 0) =>
  Array.from(realize({ seed, n, kind: 'normal', a: Math.round(deltaSd * 4096), b: 1, shift: 12 }));
const ties = (seed: number, n: number, bits: number) =>
  Array.from(realize({ seed, n, kind: 'uniform', a: 0, b: 1, shift: 0, bits }));
const heavy = (seed: number, n: number) =>
  Array.from(realize({ seed, n, kind: 'heavy', a: 0, b: 1, shift: 20 }));

function numeric(values: number[], options = {}): NumericReferenceProfile {
  const profile = fitReferenceProfile(values, options);
  assert.equal(profile.type, 'numeric');
  return profile as NumericReferenceProfile;
}

describe('reference profiles', () => {
  describe('PSI from a profile equals PSI from the raw reference', () => {
    const references: Array<[string, number[]]> = [
      ['normal 1,000', normal(1, 1000)],
      ['normal 100,000', normal(2, 100_000)],
      ['3-bit ties 50,000', ties(3, 50_000, 3)],
      ['1-bit ties 2,000', ties(4, 2000, 1)],
      ['heavy tails 20,000', heavy(5, 20_000)],
      ['constant', new Array<number>(500).fill(7)],
      ['single value', [3]],
    ];
    const currents: Array<[string, number[]]> = [
      ['same distribution', normal(10, 5000)],
      ['shifted', normal(11, 5000, 0.3)],
      ['ties', ties(12, 3000, 3)],
      ['outside the reference range', normal(13, 800, 40)],
    ];
    for (const [refName, reference] of references) {
      for (const bins of [1, 3, 10, 50]) {
        for (const [curName, current] of currents) {
          it(`${refName}, ${bins} bins, ${curName}`, () => {
            const profile = fitReferenceProfile(reference, { psiBins: bins });
            assert.equal(psiFromProfile(profile, current), psi(reference, current, { bins }));
          });
        }
      }
    }
  });

  describe('KS and Wasserstein from a complete profile equal the raw results', () => {
    for (const n of [1, 17, 1000, 5000]) {
      it(`reference of ${n} rows (kept whole)`, () => {
        const reference = normal(20 + n, n);
        const current = normal(21 + n, 700, 0.1);
        const profile = numeric(reference);
        assert.equal(profile.sample.length, n);
        assert.equal(profile.sampleKsError, 0);
        assert.equal(profile.sampleWassersteinError, 0);
        assert.deepEqual(ksFromProfile(profile, current), ksTwoSample(reference, current));
        assert.equal(wassersteinFromProfile(profile, current), wassersteinDistance(reference, current));
      });
    }
  });

  describe('KS and Wasserstein from a sampled profile stay within the stored bounds', () => {
    const cases: Array<[string, number[], number]> = [
      ['normal 100,000, sample 5,000', normal(30, 100_000), 5000],
      ['heavy tails 60,000, sample 1,000', heavy(31, 60_000), 1000],
      ['3-bit ties 100,000, sample 5,000', ties(32, 100_000, 3), 5000],
      ['normal 20,001, sample 50', normal(33, 20_001), 50],
      ['normal 9,000, sample 700 (exact KS path)', normal(34, 9000), 700],
    ];
    for (const [name, reference, sampleSize] of cases) {
      it(name, () => {
        const profile = numeric(reference, { sampleSize });
        assert.equal(profile.sample.length, sampleSize);
        assert.ok(profile.sampleKsError <= 1 / (2 * sampleSize) + 1e-15, `KS error ${profile.sampleKsError}`);
        const range = profile.max - profile.min;
        assert.ok(profile.sampleWassersteinError <= range / (2 * sampleSize) + 1e-12);
        for (const [seed, delta, n] of [
          [40, 0, 100_000],
          [41, 0.05, 3000],
          [42, 1, 200],
        ] as const) {
          const current = normal(seed, n, delta);
          const exactD = ksTwoSample(reference, current).statistic;
          const approxD = ksFromProfile(profile, current).statistic;
          // The exact KS path snaps D to the nearest multiple of 1/lcm(n₁, n₂), at most 1/(2·max(n₁, n₂)) away.
          const snap =
            n <= 10_000 && reference.length <= 10_000 ? 1 / (2 * Math.max(n, reference.length)) : 0;
          assert.ok(
            Math.abs(approxD - exactD) <= profile.sampleKsError + snap + 1e-12,
            `D ${approxD} vs ${exactD}`,
          );
          const exactW = wassersteinDistance(reference, current);
          const approxW = wassersteinFromProfile(profile, current);
          assert.ok(
            Math.abs(approxW - exactW) <= profile.sampleWassersteinError * (1 + 1e-9) + 1e-12,
            `W ${approxW} vs ${exactW}, bound ${profile.sampleWassersteinError}`,
          );
        }
      });
    }
  });

  describe('numeric profile contents', () => {
    it('stores moments, edges, counts and the sorted sample (documented example)', () => {
      assert.deepEqual(fitReferenceProfile([3, 1, 2, 2], { psiBins: 2 }), {
        version: 1,
        type: 'numeric',
        n: 4,
        mean: 2,
        std: 0.7071067811865476,
        min: 1,
        max: 3,
        psiBins: 2,
        psiEdges: [2],
        psiCounts: [1, 3],
        sample: [1, 2, 2, 3],
        sampleKsError: 0,
        sampleWassersteinError: 0,
        lag1Autocorrelation: -0.5,
      });
    });
    it("merges duplicate edges of a tied reference, keeping numpy's interpolated values", () => {
      const profile = numeric([0, 0, 0, 0, 0, 0, 0, 0, 1, 2], { psiBins: 10 });
      // np.quantile(x, np.linspace(0, 1, 11))[1:-1] is seven 0.0, 0.20000000000000018, 1.0999999999999996.
      assert.deepEqual(profile.psiEdges, [0, 0.20000000000000018, 1.0999999999999996]);
      assert.deepEqual(profile.psiCounts, [0, 8, 1, 1]);
    });
    it('keeps evenly spaced order statistics, the same for any input order', () => {
      const reference = normal(50, 10_000);
      const shuffled = reference.slice().reverse();
      const { lag1Autocorrelation: lagA, ...a } = numeric(reference, { sampleSize: 100 });
      const { lag1Autocorrelation: lagB, ...b } = numeric(shuffled, { sampleSize: 100 });
      assert.deepEqual(a, b);
      // The lag-1 autocorrelation is a property of the order, the same reversed.
      assert.ok(Math.abs(lagA! - lagB!) < 1e-12);
      const sorted = reference.slice().sort((x, y) => x - y);
      assert.equal(a.sample[0], sorted[50]);
      assert.equal(a.sample[99], sorted[9950]);
    });
    it('survives a JSON round trip and stays small', () => {
      const reference = normal(51, 100_000);
      const profile = fitReferenceProfile(reference);
      const json = JSON.stringify(profile);
      const restored = JSON.parse(json) as typeof profile;
      assert.deepEqual(restored, profile);
      const current = normal(52, 2000, 0.2);
      assert.equal(psiFromProfile(restored, current), psiFromProfile(profile, current));
      assert.ok(json.length < 120_000, `profile JSON is ${json.length} bytes`);
    });
  });

  describe('categorical profiles', () => {
    it('counts categories in code-unit order (documented example)', () => {
      assert.deepEqual(fitReferenceProfile(['b', 'a', 'b']), {
        version: 1,
        type: 'categorical',
        n: 3,
        categories: ['a', 'b'],
        counts: [1, 2],
      });
    });
    it('treats numeric codes as labels when asked', () => {
      const profile = fitReferenceProfile([2, 10, 2], { type: 'categorical' });
      assert.deepEqual(profile, {
        version: 1,
        type: 'categorical',
        n: 3,
        categories: ['10', '2'],
        counts: [1, 2],
      });
      assert.equal(psiFromProfile(profile, ['2', '10', '2']), 0);
    });
    it('adds categories that appear only in the current data', () => {
      const profile = fitReferenceProfile(['a', 'a', 'b']);
      const current = ['a', 'c', 'c', 'b'];
      assert.equal(psiFromProfile(profile, current), psiFromCounts([2, 1, 0], [1, 1, 2]));
      assert.equal(jensenShannonFromProfile(profile, current), jensenShannonDistance([2, 1, 0], [1, 1, 2]));
      assert.deepEqual(chiSquareFromProfile(profile, current), chiSquareTest([2, 1, 0], [1, 1, 2]));
    });
    it('gives the documented example values', () => {
      assert.equal(jensenShannonFromProfile(fitReferenceProfile(['a', 'b']), ['c', 'c']), 1);
      const r = chiSquareFromProfile(fitReferenceProfile(['a', 'a', 'a', 'b']), ['a', 'b', 'b', 'b']);
      assert.equal(r.statistic, 2);
      assert.equal(r.df, 1);
      // scipy: 0.15729920705028105
      assert.ok(Math.abs(r.pValue - 0.15729920705028105) < 1e-12);
    });
  });

  describe('stored profiles are checked before use', () => {
    const good = fitReferenceProfile([1, 2, 3, 4, 5]);
    const bad = (patch: Record<string, unknown>) =>
      ({ ...good, ...patch }) as unknown as NumericReferenceProfile;
    it('refuses another version', () =>
      assert.throws(
        () => psiFromProfile(bad({ version: 2 }), [1]),
        new StatsInputError('profile', 'has version 2; this build reads version 1'),
      ));
    it('refuses misaligned PSI counts', () =>
      assert.throws(
        () => psiFromProfile(bad({ psiCounts: [1] }), [1]),
        /psiCounts must have one more entry/,
      ));
    it('refuses an unsorted sample', () =>
      assert.throws(() => ksFromProfile(bad({ sample: [3, 1, 2] }), [1]), /ascending/));
    it('refuses KS on a categorical profile', () =>
      assert.throws(
        () => ksFromProfile(fitReferenceProfile(['a']), [1]),
        new StatsInputError('profile', "is categorical; 'ks' needs a numeric profile"),
      ));
  });
});
