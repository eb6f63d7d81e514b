import assert from 'node:assert/strict';
import { computeFeatures, FEATURE_SCHEMA, type OhlcvBar } from '../../../../src/ml';
import {
  calibrateDriftThresholds,
  calibrateRecentWindow,
  calibrateTwoScales,
  createRng,
  defaultBlockLength,
  defaultRecentRows,
  detectDrift,
  detectRecentDrift,
  detectTwoScaleDrift,
  fitReferenceProfile,
  newestRows,
  type ReferenceProfile,
} from '../../../../src/stats';

/** A geometric random walk of 1-minute bars, volatility × `multiplier` from bar `shiftAt` on. */
function randomWalk(seed: number, n: number, shiftAt = Infinity, multiplier = 2.5): OhlcvBar[] {
  const rng = createRng(seed);
  const bars: OhlcvBar[] = [];
  let close = 100;
  for (let t = 0; t < n; t++) {
    const sigma = 0.008 * (t >= shiftAt ? multiplier : 1);
    const open = close;
    close = open * Math.exp(sigma * rng.normal());
    bars.push({
      ts: new Date(Date.UTC(2024, 0, 1) + t * 60_000).toISOString(),
      open,
      high: Math.max(open, close) * Math.exp(Math.abs(rng.normal()) * sigma * 0.5),
      low: Math.min(open, close) * Math.exp(-Math.abs(rng.normal()) * sigma * 0.5),
      close,
      volume: 1000 * Math.exp(0.3 * rng.normal()),
    });
  }
  return bars;
}

function featureColumns(bars: OhlcvBar[]): Record<string, Float64Array> {
  const rows = computeFeatures(bars).rows;
  return Object.fromEntries(
    FEATURE_SCHEMA.names.map((n, j) => [n, Float64Array.from(rows, (r) => r.values[j]!)]),
  );
}

const slice = (columns: Record<string, Float64Array>, from: number, to: number) =>
  Object.fromEntries(Object.entries(columns).map(([n, c]) => [n, c.subarray(from, to)]));

describe('drift on the newest rows of a window', () => {
  it('the short window is a 24th of the window (an hour of a day), at least 30 rows', () => {
    assert.equal(defaultRecentRows(1440), 60);
    assert.equal(defaultRecentRows(300), 30);
  });

  it('takes the newest rows from the end or the start, as the columns are ordered', () => {
    const numeric = { x: Float64Array.from([1, 2, 3, 4, 5]) };
    const categorical = { y: ['a', 'b', 'c', 'd', 'e'] };
    assert.deepEqual(Array.from(newestRows(numeric, 2, 'oldest-first').x!), [4, 5]);
    assert.deepEqual(newestRows(categorical, 2, 'oldest-first').y, ['d', 'e']);
    assert.deepEqual(Array.from(newestRows(numeric, 2, 'newest-first').x!), [1, 2]);
    assert.deepEqual(newestRows(categorical, 9, 'newest-first').y, ['a', 'b', 'c', 'd', 'e']);
  });

  it('is not calibrated when the short window would be half the window or below minRows', () => {
    const x = Float64Array.from({ length: 500 }, (_, i) => Math.sin(i));
    const profiles = { x: fitReferenceProfile(x) };
    assert.equal(calibrateRecentWindow(profiles, { x }, { windowRows: 100, recentRows: 60 }), null);
    assert.equal(calibrateRecentWindow(profiles, { x }, { windowRows: 600, recentRows: 20 }), null);
    assert.throws(() => calibrateRecentWindow(profiles, { x }, { windowRows: 1 }), /windowRows/);
  });

  // Reference: 2,000 bars; a live day of 1,440 bars. A change 30 bars old is 2% of the window's rows;
  // the newest 60 rows see it at once, and stay quiet on the stationary hours before it.
  it('flags a 2.5× volatility shift 30 bars old, and not the hours before it', () => {
    const refRows = 2000;
    const shiftRow = refRows + 1440 + 600; // feature rows start 20 bars after the first bar
    const columns = featureColumns(randomWalk(7, shiftRow + 20 + 30, shiftRow + 20));
    const reference = slice(columns, 0, refRows);
    const profiles: Record<string, ReferenceProfile> = Object.fromEntries(
      Object.entries(reference).map(([n, c]) => [n, fitReferenceProfile(c)]),
    );
    const policy = { share: 0.5 };
    const recent = calibrateRecentWindow(profiles, reference, { windowRows: 1440, policy, seed: 7 });
    assert.ok(recent !== null);
    assert.equal(recent.chunkRows, 60);
    const end = columns.ret_1!.length;
    const window = slice(columns, end - 1440, end);
    const report = detectRecentDrift(profiles, window, policy, recent);
    assert.equal(report.drifted, true);
    // The whole window at its own thresholds does not see it yet; the two-scale check does.
    const two = calibrateTwoScales(profiles, reference, { windowRows: 1440, policy, seed: 7 });
    const both = detectTwoScaleDrift(profiles, window, policy, two);
    assert.equal(both.whole.drifted, false);
    assert.equal(both.recent?.drifted, true);
    assert.equal(both.drifted, true);
    // The same rows newest first give the same answer when told so.
    const reversed = Object.fromEntries(
      Object.entries(window).map(([n, c]) => [n, Float64Array.from(c).reverse()]),
    );
    assert.equal(detectRecentDrift(profiles, reversed, policy, recent, 'newest-first').drifted, true);
    assert.equal(detectRecentDrift(profiles, reversed, policy, recent, 'oldest-first').drifted, false);
    let falseAlarms = 0;
    for (let e = refRows + 1440; e + 60 <= end - 30; e += 60) {
      if (detectRecentDrift(profiles, slice(columns, e - 1440, e), policy, recent).drifted) falseAlarms++;
    }
    assert.ok(falseAlarms <= 1, `stationary hours flagged by the short window: ${falseAlarms}/10`);
  });

  it('two scales: the whole window at mean + 4σ (max-z at + 12σ), drifted when either scale drifted', () => {
    const refRows = 2000;
    const shiftRow = refRows + 1440;
    const columns = featureColumns(randomWalk(8, shiftRow + 20 + 1440, shiftRow + 20));
    const reference = slice(columns, 0, refRows);
    const profiles: Record<string, ReferenceProfile> = Object.fromEntries(
      Object.entries(reference).map(([n, c]) => [n, fitReferenceProfile(c)]),
    );
    const policy = { share: 0.5 };
    const two = calibrateTwoScales(profiles, reference, { windowRows: 1440, policy, seed: 8 });
    assert.equal(two.whole.multiplier, 4);
    assert.ok(Math.abs(two.whole.maxZ.threshold - (two.whole.maxZ.mean + 12 * two.whole.maxZ.std)) < 1e-9);
    assert.equal(two.recent?.multiplier, 10);
    assert.equal(two.recent?.chunkRows, 60);
    // A stationary day before the shift: neither scale.
    const before = detectTwoScaleDrift(profiles, slice(columns, shiftRow - 1440, shiftRow), policy, two);
    assert.equal(before.drifted, false);
    assert.equal(before.recent?.drifted, false);
    // A day after it: the whole window drifts too.
    const end = columns.ret_1!.length;
    const after = detectTwoScaleDrift(profiles, slice(columns, end - 1440, end), policy, two);
    assert.equal(after.whole.drifted, true);
    assert.equal(after.drifted, true);
    const direct = detectDrift(profiles, slice(columns, end - 1440, end), policy, two.whole);
    assert.equal(direct.drifted, after.whole.drifted);
  });
});

describe('bootstrap block length', () => {
  it('keeps at least 16 blocks in the reference even for features with lag-1 autocorrelation 0.99', () => {
    // Before the n/16 cap: min(1440/4, 398) = 360 rows, 5 blocks of a 2,000-row reference.
    assert.equal(defaultBlockLength(2000, 1440, 0.99), 125);
    assert.equal(defaultBlockLength(2000, 1440, 0.999), 125);
    assert.equal(defaultBlockLength(2000, 1440, 0.5), 12); // ⌈1440^{1/3}⌉ beats 2·1.5/0.5 = 6
    assert.equal(defaultBlockLength(6000, 300, 0.95), 75); // a quarter of the window
    assert.equal(defaultBlockLength(40, 30, 0.9), 2);
  });

  it('is the block length a calibration uses by default', () => {
    const rng = createRng(3);
    let x = 0;
    const series = Float64Array.from({ length: 2000 }, () => (x = 0.995 * x + rng.normal()));
    const c = calibrateDriftThresholds(
      { x: fitReferenceProfile(series) },
      { x: series },
      { chunkRows: 1440 },
    );
    assert.equal(c.kind, 'block-bootstrap');
    assert.equal(c.blockLength, 125);
  });
});
