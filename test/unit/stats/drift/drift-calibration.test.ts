import assert from 'node:assert/strict';
import {
  calibrateDriftThresholds,
  createRng,
  detectDrift,
  effectiveSampleSize,
  fitReferenceProfile,
  lag1Autocorrelation,
} from '../../../../src/stats';

/** A stationary AR(1) series: xₜ = φ·xₜ₋₁ + εₜ, started from its stationary law. */
function ar1(seed: number, n: number, phi: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  let x = rng.normal() / Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    x = phi * x + rng.normal();
    out[i] = x;
  }
  return out;
}

describe('drift thresholds for time series', () => {
  describe('effective sample size', () => {
    it('is n(1 − ρ)/(1 + ρ), n for ρ ≤ 0, and at least 2', () => {
      assert.equal(effectiveSampleSize(1000, 0), 1000);
      assert.equal(effectiveSampleSize(1000, -0.5), 1000);
      assert.ok(Math.abs(effectiveSampleSize(1000, 0.9) - (1000 * 0.1) / 1.9) < 1e-9);
      assert.equal(effectiveSampleSize(10, 0.999), 2);
    });
    it('estimates the lag-1 autocorrelation of an AR(1) series', () => {
      assert.ok(Math.abs(lag1Autocorrelation(ar1(3, 20_000, 0.8)) - 0.8) < 0.02);
      assert.ok(Math.abs(lag1Autocorrelation(ar1(4, 20_000, 0))) < 0.03);
      assert.equal(lag1Autocorrelation([1, 1, 1, 1]), 0);
    });
  });

  // Same process, fresh windows: every alarm is a false alarm.
  const phi = 0.95;
  const windows = 150;
  const windowRows = 300;

  it('KS with effective n keeps its level on an AR(0.95) series; the iid KS does not', () => {
    const reference = ar1(11, 800, phi); // ≤ 1000 rows: KS is the default method
    const profiles = { x: fitReferenceProfile(reference) };
    const live = ar1(12, windows * windowRows, phi);
    let iid = 0;
    let effective = 0;
    for (let w = 0; w < windows; w++) {
      const current = { x: live.subarray(w * windowRows, (w + 1) * windowRows) };
      if (detectDrift(profiles, current, { effectiveSampleSize: false }).drifted) iid++;
      if (detectDrift(profiles, current).drifted) effective++;
    }
    assert.ok(iid / windows > 0.5, `iid KS false alarms ${iid}/${windows}`);
    assert.ok(effective / windows < 0.12, `effective-n KS false alarms ${effective}/${windows}`);
  });

  it('chunk-calibrated thresholds keep false alarms near nominal where the fixed 0.1 does not', () => {
    const reference = ar1(21, 6000, phi); // > 1000 rows: normalised Wasserstein, fixed threshold 0.1
    const profiles = { x: fitReferenceProfile(reference) };
    const calibration = calibrateDriftThresholds(profiles, { x: reference }, { chunkRows: windowRows });
    assert.equal(calibration.kind, 'reference-chunks');
    assert.equal(calibration.replicates, 20);
    const live = ar1(22, windows * windowRows, phi);
    let fixed = 0;
    let calibrated = 0;
    for (let w = 0; w < windows; w++) {
      const current = { x: live.subarray(w * windowRows, (w + 1) * windowRows) };
      if (detectDrift(profiles, current).drifted) fixed++;
      const report = detectDrift(profiles, current, {}, calibration);
      assert.equal(report.features[0]!.thresholdSource, 'calibrated');
      if (report.drifted) calibrated++;
    }
    assert.ok(fixed / windows > 0.5, `fixed-threshold false alarms ${fixed}/${windows}`);
    // mean + 3σ on 20 chunks: a few per cent, not the fixed threshold's majority.
    assert.ok(calibrated / windows < 0.08, `calibrated false alarms ${calibrated}/${windows}`);
  });

  it('the block bootstrap calibrates a short reference, and a real shift still drifts', () => {
    const reference = ar1(31, 2000, phi);
    const profiles = { x: fitReferenceProfile(reference) };
    const calibration = calibrateDriftThresholds(profiles, { x: reference }, { chunkRows: 1440, seed: 5 });
    assert.equal(calibration.kind, 'block-bootstrap');
    assert.ok(calibration.blockLength >= 30, `block ${calibration.blockLength}`);
    const live = ar1(32, 1440 * 20, phi);
    let alarms = 0;
    for (let w = 0; w < 20; w++) {
      if (detectDrift(profiles, { x: live.subarray(w * 1440, (w + 1) * 1440) }, {}, calibration).drifted)
        alarms++;
    }
    assert.ok(alarms <= 3, `bootstrap-calibrated false alarms ${alarms}/20`);
    const shifted = Float64Array.from(live.subarray(0, 1440), (v) => v * 2.5);
    assert.equal(detectDrift(profiles, { x: shifted }, {}, calibration).drifted, true);
  });

  it('calibrates the share threshold on correlated features', () => {
    const base = ar1(41, 6000, phi);
    // Five copies of one series plus noise: their statistics move together.
    const noise = createRng(42);
    const names = ['a', 'b', 'c', 'd', 'e'];
    const columns = Object.fromEntries(
      names.map((n) => [n, Float64Array.from(base, (v) => v + 0.1 * noise.normal())]),
    );
    const profiles = Object.fromEntries(names.map((n) => [n, fitReferenceProfile(columns[n]!)]));
    const calibration = calibrateDriftThresholds(profiles, columns, {
      chunkRows: 300,
      policy: { share: 0.2 },
    });
    assert.ok(calibration.share.threshold >= 0.2);
    assert.equal(
      calibration.share.threshold,
      Math.min(1, Math.max(0.2, calibration.share.mean + 3 * calibration.share.std)),
    );
  });

  it('refuses a reference too short to calibrate', () => {
    const reference = ar1(51, 20, 0.5);
    assert.throws(
      () =>
        calibrateDriftThresholds({ x: fitReferenceProfile(reference) }, { x: reference }, { chunkRows: 10 }),
      /too few to calibrate/,
    );
  });

  it('the max rule catches a change in one feature of five that the share rule misses, at a small null rate', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const reference = Object.fromEntries(names.map((n, i) => [n, ar1(60 + i, 6000, 0.8)]));
    const profiles = Object.fromEntries(names.map((n) => [n, fitReferenceProfile(reference[n]!)]));
    const calibration = calibrateDriftThresholds(profiles, reference, { chunkRows: 300 });
    assert.ok(calibration.maxZ.threshold >= 3, `max-z threshold ${calibration.maxZ.threshold}`);
    const live = Object.fromEntries(names.map((n, i) => [n, ar1(70 + i, 300 * 60, 0.8)]));
    let alarms = 0;
    for (let w = 0; w < 60; w++) {
      const window = Object.fromEntries(names.map((n) => [n, live[n]!.subarray(w * 300, (w + 1) * 300)]));
      if (detectDrift(profiles, window, {}, calibration).drifted) alarms++;
    }
    assert.ok(alarms <= 4, `null alarms ${alarms}/60`);
    const shifted = Object.fromEntries(names.map((n) => [n, live[n]!.subarray(0, 300)]));
    shifted.a = Float64Array.from(shifted.a!, (v) => v * 2.5);
    assert.equal(detectDrift(profiles, shifted, { datasetRule: 'share' }, calibration).drifted, false);
    const report = detectDrift(profiles, shifted, {}, calibration);
    assert.equal(report.drifted, true);
    assert.equal(report.maxStandardised?.feature, 'a');
    assert.equal(report.maxStandardised?.triggered, true);
  });
});
