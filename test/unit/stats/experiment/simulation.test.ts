import assert from 'node:assert/strict';
import { sampleSizeForProportions, sequentialSampleSize } from '../../../../src/stats';
import { rejectedBy, simulateExperiments } from './support/ab-simulation';

// Small seeded simulations (the large versions are in bench/sequential-aa.bench.ts). Seeds are fixed,
// so these are deterministic; the bounds still leave room for Monte-Carlo error (3 standard errors).

describe('sequential testing under peeking (seeded simulation)', function () {
  this.timeout(20_000);

  it('A/A analysed every 100 outcomes up to 10,000: mSPRT false-positive rate stays within 0.05 + MC error while the peeking z-test inflates', () => {
    const runs = 1000;
    const result = simulateExperiments({
      runs,
      seed: 20261126,
      controlRate: 0.55,
      treatmentRate: 0.55,
      lookEvery: 100,
      maxOutcomes: 10_000,
    });
    const se = Math.sqrt((0.05 * 0.95) / runs);
    assert.ok(
      result.sequentialRejectRate <= 0.05 + 3 * se,
      `mSPRT false-positive rate ${result.sequentialRejectRate}`,
    );
    assert.ok(
      result.peekingRejectRate > 0.15,
      `peeking z-test false-positive rate ${result.peekingRejectRate} should be inflated`,
    );
    assert.ok(
      Math.abs(result.fixedRejectRate - 0.05) <= 3 * se,
      `single-look z-test rate ${result.fixedRejectRate}`,
    );
  });

  it('A/B at the planned MDE: the mSPRT reaches 80% power within twice the fixed-horizon sample size', () => {
    const plan = sampleSizeForProportions({ baselineRate: 0.55, mde: 0.05 });
    const fixedTotal = plan.total;
    const runs = 400;
    const result = simulateExperiments({
      runs,
      seed: 7,
      controlRate: 0.55,
      treatmentRate: 0.6,
      lookEvery: 100,
      maxOutcomes: 2 * fixedTotal,
    });
    const power = rejectedBy(result, 2 * fixedTotal);
    const se = Math.sqrt((0.8 * 0.2) / runs);
    assert.ok(power >= 0.8 - 3 * se, `power by 2× the fixed horizon was ${power}`);
    assert.ok(
      Math.abs(result.fixedRejectRate - 0.8) < 0.15 || result.fixedRejectRate > 0.8,
      `fixed-horizon power at 2× ${result.fixedRejectRate}`,
    );
  });

  it('sequentialSampleSize plans a maximum within 2× the fixed horizon, and the expected stop earlier', () => {
    const plan = sequentialSampleSize({ sd: 1, mde: 0.1, simulations: 1000, seed: 3 });
    assert.equal(plan.fixedHorizon.control, 1570);
    assert.ok(plan.ratioToFixed > 1 && plan.ratioToFixed < 2, `ratio ${plan.ratioToFixed}`);
    assert.ok(plan.expectedControl < plan.maximum.control);
    assert.equal(plan.powerAtHorizon > 0.8, true);
  });

  it('sequentialSampleSize is deterministic for a seed', () => {
    const a = sequentialSampleSize({ sd: 2, mde: 0.3, simulations: 300, seed: 11 });
    const b = sequentialSampleSize({ sd: 2, mde: 0.3, simulations: 300, seed: 11 });
    assert.deepEqual(a, b);
  });
});
