import assert from 'node:assert/strict';
import { findRangeIndex, getBucketRanges } from '../../../../src/routing/allocation/bucket-ranges';
import { compileAssigner } from '../../../../src/routing/allocation/assigner';
import { BUCKET_COUNT } from '../../../../src/routing/allocation/types';

const WEIGHT_CONFIGS: number[][] = [
  [1],
  [0.5, 0.5],
  [0.9, 0.1],
  [1 / 3, 1 / 3, 1 / 3],
  [0.34, 0.33, 0.33],
  [0.1, 0.2, 0.3, 0.4],
  [0.6, 0, 0.4],
  [0.0001, 0.9998, 0.0001],
];

// 0%, 0.01%, 0.1%, then every whole percent: the ramp steps a rollout actually takes, plus the edges.
const COVERAGES = [0, 0.0001, 0.001, ...Array.from({ length: 101 }, (_, i) => i / 100)].sort((a, b) => a - b);

describe('getBucketRanges', () => {
  it('lays out GrowthBook-style ranges: fixed starts at the cumulative weights, widths scaled by coverage', () => {
    assert.deepEqual(getBucketRanges([0.5, 0.5]), [
      { start: 0, end: 5000 },
      { start: 5000, end: 10000 },
    ]);
    assert.deepEqual(getBucketRanges([0.5, 0.5], 0.1), [
      { start: 0, end: 500 },
      { start: 5000, end: 5500 },
    ]);
    assert.deepEqual(getBucketRanges([0.1, 0.2, 0.3, 0.4], 0.5), [
      { start: 0, end: 500 },
      { start: 1000, end: 2000 },
      { start: 3000, end: 4500 },
      { start: 6000, end: 8000 },
    ]);
    assert.deepEqual(getBucketRanges([0.6, 0, 0.4]), [
      { start: 0, end: 6000 },
      { start: 6000, end: 6000 },
      { start: 6000, end: 10000 },
    ]);
  });

  it('tiles all 10,000 buckets at full coverage, even when the weights sum to 1 − 1e-10', () => {
    for (const weights of [...WEIGHT_CONFIGS, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 - 1e-10]]) {
      const ranges = getBucketRanges(weights);
      assert.equal(ranges[0]!.start, 0);
      assert.equal(ranges[ranges.length - 1]!.end, BUCKET_COUNT);
      for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end);
    }
  });

  it('enrols coverage × 10,000 buckets up to rounding of half a bucket per variant', () => {
    for (const weights of WEIGHT_CONFIGS) {
      for (const coverage of COVERAGES) {
        const enrolled = getBucketRanges(weights, coverage).reduce((n, r) => n + (r.end - r.start), 0);
        assert.ok(
          Math.abs(enrolled - coverage * BUCKET_COUNT) <= weights.length / 2 + 1e-9,
          `${weights} @ ${coverage}: ${enrolled}`,
        );
      }
    }
  });

  it('monotone ramps: over every bucket and every coverage step, raising coverage never moves or drops an enrolled bucket', () => {
    for (const weights of WEIGHT_CONFIGS) {
      let previous = new Int16Array(BUCKET_COUNT).fill(-1);
      for (const coverage of COVERAGES) {
        const ranges = getBucketRanges(weights, coverage);
        const current = new Int16Array(BUCKET_COUNT);
        for (let b = 0; b < BUCKET_COUNT; b++) {
          current[b] = findRangeIndex(ranges, b);
          // Plain comparison first: 8 configs × 104 steps × 10,000 buckets is too many assert calls.
          if (previous[b]! >= 0 && current[b] !== previous[b]) {
            assert.fail(
              `${weights}: bucket ${b} moved from ${previous[b]} to ${current[b]} at coverage ${coverage}`,
            );
          }
        }
        previous = current;
      }
    }
  });

  it('monotone ramps over 20,000 hashed units: a unit enrolled at coverage c keeps its variant at every c′ > c', () => {
    const units = Array.from({ length: 20_000 }, (_, i) =>
      i % 3 === 0 ? `acct-${i}` : i % 3 === 1 ? `ユーザー${i}` : `${i}-🚀`,
    );
    const steps = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1];
    for (const weights of [
      [0.5, 0.5],
      [0.34, 0.33, 0.33],
      [0.1, 0.2, 0.3, 0.4],
    ]) {
      const variants = weights.map((_, i) => `v${i}`);
      const firstSeen = new Map<string, string>();
      let enrolledBefore = 0;
      for (const coverage of steps) {
        const assigner = compileAssigner({ salt: 'ramp-test', variants, weights, coverage });
        let enrolled = 0;
        for (const unit of units) {
          const variant = assigner.assign(unit);
          const earlier = firstSeen.get(unit);
          if (earlier !== undefined)
            assert.equal(variant, earlier, `${unit} moved from ${earlier} at coverage ${coverage}`);
          if (variant !== null) {
            enrolled++;
            if (earlier === undefined) firstSeen.set(unit, variant);
          }
        }
        assert.ok(enrolled >= enrolledBefore);
        enrolledBefore = enrolled;
      }
      assert.equal(enrolledBefore, units.length, 'everyone is enrolled at 100%');
    }
  });

  it('findRangeIndex returns -1 outside every range and skips empty ranges', () => {
    const ranges = getBucketRanges([0.6, 0, 0.4], 0.5);
    assert.equal(findRangeIndex(ranges, 0), 0);
    assert.equal(findRangeIndex(ranges, 2999), 0);
    assert.equal(findRangeIndex(ranges, 3000), -1);
    assert.equal(findRangeIndex(ranges, 6000), 2);
    assert.equal(findRangeIndex(ranges, 7999), 2);
    assert.equal(findRangeIndex(ranges, 8000), -1);
  });
});
