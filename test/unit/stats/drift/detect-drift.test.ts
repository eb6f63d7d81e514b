import assert from 'node:assert/strict';
import {
  adjustPValues,
  detectDrift,
  fitReferenceProfile,
  StatsInputError,
  type DriftPolicy,
  type ReferenceProfile,
} from '../../../../src/stats';
import { realize } from './sample-spec';

const normal = (seed: number, n: number, deltaSd = 0) =>
  Array.from(realize({ seed, n, kind: 'normal', a: Math.round(deltaSd * 4096), b: 1, shift: 12 }));
const labels = (seed: number, n: number) =>
  Array.from(realize({ seed, n, kind: 'uniform', a: 0, b: 1, shift: 0, bits: 2 }), (k) => `c${k}`);

describe('detectDrift', () => {
  describe('picks the method by type and reference rows, as Evidently', () => {
    const cases: Array<[string, number, 'numeric' | 'categorical', string]> = [
      ['numeric, 1,000 reference rows → KS', 1000, 'numeric', 'ks'],
      ['numeric, 1,001 reference rows → normalised Wasserstein', 1001, 'numeric', 'wasserstein'],
      ['categorical, 1,000 reference rows → χ²', 1000, 'categorical', 'chisquare'],
      ['categorical, 1,001 reference rows → Jensen–Shannon', 1001, 'categorical', 'jensenshannon'],
    ];
    for (const [title, n, type, method] of cases) {
      it(title, () => {
        const reference = type === 'numeric' ? normal(1, n) : labels(1, n);
        const current = type === 'numeric' ? normal(2, 500) : labels(2, 500);
        const report = detectDrift({ x: fitReferenceProfile(reference) }, { x: current });
        const [feature] = report.features;
        assert.equal(feature!.method, method);
        assert.equal(feature!.threshold, method === 'ks' || method === 'chisquare' ? 0.05 : 0.1);
        assert.equal(feature!.referenceRows, n);
        assert.equal(feature!.currentRows, 500);
      });
    }
    it('moves the switch with policy.largeSampleRows', () => {
      const report = detectDrift(
        { x: fitReferenceProfile(normal(3, 800)) },
        { x: normal(4, 100) },
        { largeSampleRows: 500 },
      );
      assert.equal(report.features[0]!.method, 'wasserstein');
    });
  });

  describe('per-feature overrides', () => {
    const profiles = { a: fitReferenceProfile(normal(5, 5000)), b: fitReferenceProfile(labels(6, 5000)) };
    const current = { a: normal(7, 2000, 0.5), b: labels(8, 2000) };
    it('uses PSI with its 0.2 default threshold', () => {
      const report = detectDrift(profiles, current, { methods: { a: 'psi' } });
      const a = report.features.find((f) => f.name === 'a')!;
      assert.equal(a.method, 'psi');
      assert.equal(a.threshold, 0.2);
      assert.equal(a.statistic, a.score);
      assert.equal(a.drifted, a.score! >= 0.2);
    });
    it('takes a threshold given with the method', () => {
      const report = detectDrift(profiles, current, { methods: { a: { method: 'ks', threshold: 0.01 } } });
      const a = report.features.find((f) => f.name === 'a')!;
      assert.equal(a.method, 'ks');
      assert.equal(a.threshold, 0.01);
      assert.ok(a.pValue! < 1e-10 && a.drifted);
    });
    it('takes per-method default thresholds', () => {
      const report = detectDrift(profiles, current, { thresholds: { jensenshannon: 0.5 } });
      assert.equal(report.features.find((f) => f.name === 'b')!.threshold, 0.5);
    });
    it('runs χ² and PSI on a numeric feature over its PSI bins', () => {
      for (const method of ['chisquare', 'jensenshannon'] as const) {
        const report = detectDrift(profiles, current, { methods: { a: method } });
        assert.equal(report.features.find((f) => f.name === 'a')!.method, method);
      }
    });
    it("refuses 'ks' on a categorical feature", () =>
      assert.throws(
        () => detectDrift(profiles, current, { methods: { b: 'ks' } }),
        new StatsInputError('policy.methods.b', `'ks' needs a numeric feature; "b" is categorical`),
      ));
    it('refuses an override for a feature without a profile', () =>
      assert.throws(
        () => detectDrift(profiles, current, { methods: { zz: 'psi' } }),
        new StatsInputError('policy.methods.zz', 'names a feature that has no profile'),
      ));
    it('refuses an unknown method', () =>
      assert.throws(
        () => detectDrift(profiles, current, { methods: { a: 'kl' as 'psi' } }),
        /policy\.methods\.a: must name one of ks, wasserstein, psi, jensenshannon, chisquare; got "kl"/,
      ));
    it('refuses a p-value threshold outside (0, 1)', () =>
      assert.throws(
        () => detectDrift(profiles, current, { methods: { a: { method: 'ks', threshold: 1.5 } } }),
        new StatsInputError('policy.methods.a.threshold', 'must be a p-value level in (0, 1), got 1.5'),
      ));
  });

  describe('missing data is reported, not guessed', () => {
    const profiles: Record<string, ReferenceProfile> = {
      price: fitReferenceProfile(normal(10, 2000)),
      volume: fitReferenceProfile(normal(11, 2000)),
      venue: fitReferenceProfile(labels(12, 2000)),
    };
    it('lists a profiled feature absent from the current data as skipped: missing', () => {
      const report = detectDrift(profiles, { price: normal(13, 100), venue: labels(14, 100) });
      assert.deepEqual(report.skipped, [
        { name: 'volume', reason: 'missing', message: 'no current column named "volume"' },
      ]);
      assert.equal(report.testedCount, 2);
    });
    it('lists a feature with fewer than minRows rows as skipped: too-few-rows', () => {
      const report = detectDrift(profiles, {
        price: normal(13, 29),
        volume: normal(15, 30),
        venue: labels(14, 100),
      });
      assert.deepEqual(report.skipped, [
        {
          name: 'price',
          reason: 'too-few-rows',
          message: '29 current rows; at least 30 are needed (policy.minRows)',
        },
      ]);
      assert.deepEqual(
        report.features.map((f) => f.name),
        ['volume', 'venue'],
      );
    });
    it('lists a current column without a profile as skipped: no-profile', () => {
      const report = detectDrift(profiles, { price: normal(13, 100), spread: normal(16, 100) });
      assert.deepEqual(
        report.skipped.map((s) => [s.name, s.reason]),
        [
          ['volume', 'missing'],
          ['venue', 'missing'],
          ['spread', 'no-profile'],
        ],
      );
    });
    it('throws when nothing could be tested', () =>
      assert.throws(
        () => detectDrift(profiles, { price: [1, 2, 3] }),
        new StatsInputError(
          'currentColumns',
          'no feature could be tested: price (too-few-rows), volume (missing), venue (missing)',
        ),
      ));
    it('throws on NaN in a current column, naming column and element', () =>
      assert.throws(
        () => detectDrift(profiles, { price: [...normal(13, 50), NaN] }),
        new StatsInputError('currentColumns.price', 'element 50 is NaN; values must be finite numbers'),
      ));
    it('throws on strings in a numeric column', () =>
      assert.throws(
        () => detectDrift(profiles, { price: labels(1, 40) }),
        /currentColumns\.price: element 0 is "c\d"; values must be finite numbers/,
      ));
    it('throws on a stored profile that is not a profile', () =>
      assert.throws(
        () => detectDrift({ price: { version: 1 } as unknown as ReferenceProfile }, { price: normal(1, 50) }),
        /profiles\.price: n must be a positive integer/,
      ));
  });

  describe('multiple-testing correction and the dataset decision', () => {
    // Six KS features: three shifted by 0.25 sd, three not, 300 reference and 300 current rows each.
    const profiles: Record<string, ReferenceProfile> = {};
    const current: Record<string, number[]> = {};
    for (let i = 0; i < 6; i++) {
      profiles[`f${i}`] = fitReferenceProfile(normal(100 + i, 300));
      current[`f${i}`] = normal(200 + i, 300, i < 3 ? 0.25 : 0);
    }
    for (const correction of ['none', 'bonferroni', 'bh'] as const) {
      it(`adjusts the family of p-values with '${correction}' before comparing with 0.05`, () => {
        const report = detectDrift(profiles, current, { correction });
        assert.equal(report.correction, correction);
        const raw = report.features.map((f) => f.pValue!);
        const adjusted = adjustPValues(raw, correction);
        report.features.forEach((f, i) => {
          assert.equal(f.adjustedPValue, adjusted[i]);
          assert.equal(f.drifted, adjusted[i]! < 0.05);
        });
        assert.equal(report.driftedCount, report.features.filter((f) => f.drifted).length);
        assert.equal(report.share, report.driftedCount / 6);
      });
    }
    it("defaults to Benjamini–Hochberg ('bh')", () =>
      assert.equal(detectDrift(profiles, current).correction, 'bh'));
    it('leaves score features out of the p-value family', () => {
      const report = detectDrift(profiles, current, { methods: { f0: 'psi' }, correction: 'bonferroni' });
      const raw = report.features.filter((f) => f.pValue !== undefined).map((f) => f.pValue!);
      assert.equal(raw.length, 5);
      assert.equal(report.features[0]!.adjustedPValue, undefined);
      assert.deepEqual(
        report.features.filter((f) => f.pValue !== undefined).map((f) => f.adjustedPValue),
        adjustPValues(raw, 'bonferroni'),
      );
    });
    it('flags the dataset when drifted share ≥ policy.share, after the correction', () => {
      // Raw p-values of the shifted features are 0.0265, 0.0125, 0.0208: uncorrected, 3 of 6 drift;
      // BH lifts all three to 0.053 and Bonferroni above that, so none drifts.
      const none = detectDrift(profiles, current, { correction: 'none' });
      assert.deepEqual([none.driftedCount, none.share, none.drifted], [3, 0.5, true]);
      assert.equal(detectDrift(profiles, current, { correction: 'none', share: 0.51 }).drifted, false);
      const bh = detectDrift(profiles, current);
      assert.deepEqual([bh.driftedCount, bh.share, bh.drifted], [0, 0, false]);
    });
    it('refuses a share outside (0, 1]', () =>
      assert.throws(
        () => detectDrift(profiles, current, { share: 0 }),
        new StatsInputError('policy.share', 'must be a number in (0, 1], got 0'),
      ));
    it('refuses an unknown correction', () =>
      assert.throws(
        () => detectDrift(profiles, current, { correction: 'holm' } as unknown as DriftPolicy),
        /policy\.correction: must be 'none', 'bonferroni' or 'bh', got "holm"/,
      ));
    it('returns a plain JSON-serialisable report', () => {
      const report = detectDrift(profiles, current);
      assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
    });
  });

  describe('adjustPValues', () => {
    it('Bonferroni multiplies by m and caps at 1 (documented example)', () =>
      assert.deepEqual(
        adjustPValues([0.01, 0.04, 0.03], 'bonferroni').map((p) => +p.toFixed(12)),
        [0.03, 0.12, 0.09],
      ));
    it('Benjamini–Hochberg is the step-up minimum of m·p₍ⱼ₎/j (documented example)', () =>
      assert.deepEqual(
        adjustPValues([0.01, 0.04, 0.03], 'bh').map((p) => +p.toFixed(12)),
        [0.03, 0.04, 0.04],
      ));
    it('BH keeps input order and monotonicity in the sorted order', () => {
      const p = [0.5, 0.001, 0.04, 0.2, 0.03, 0.8];
      const q = adjustPValues(p, 'bh');
      const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!);
      for (let k = 1; k < order.length; k++) assert.ok(q[order[k]!]! >= q[order[k - 1]!]!);
      assert.ok(q.every((x, i) => x >= p[i]! && x <= 1));
    });
    it("'none' returns the p-values unchanged", () =>
      assert.deepEqual(adjustPValues([0.2, 0.01], 'none'), [0.2, 0.01]));
    it('handles an empty family', () => assert.deepEqual(adjustPValues([], 'bh'), []));
  });

  describe('speed', () => {
    it('checks 32 numeric features × 100,000 rows against stored profiles in well under a second', function () {
      this.timeout(60_000);
      const profiles: Record<string, ReferenceProfile> = {};
      const current: Record<string, Float64Array> = {};
      for (let f = 0; f < 32; f++) {
        profiles[`f${f}`] = fitReferenceProfile(
          realize({ seed: 1000 + f, n: 100_000, kind: 'normal', a: 0, b: 1, shift: 12 }),
        );
        current[`f${f}`] = realize({
          seed: 2000 + f,
          n: 100_000,
          kind: 'normal',
          a: f * 20,
          b: 1,
          shift: 12,
        });
      }
      detectDrift(profiles, current); // warm-up
      const started = process.hrtime.bigint();
      const report = detectDrift(profiles, current);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(report.testedCount, 32);
      assert.ok(report.features.every((f) => f.method === 'wasserstein'));
      // The budget is 500 ms (bench/drift-detect.bench.ts measures it); a loaded CI box gets 3×.
      assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
    });
  });
});
