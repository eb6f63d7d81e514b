import assert from 'node:assert/strict';
import { parseSupervisorPolicy } from '../../../src/policies/supervisor-policy';
import { applyDriftHysteresis, SupervisorState } from '../../../src/workflows/supervisor/supervisor-state';
import type { DriftCheckSummary } from '../../../src/workflows/supervisor/supervisor-types';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);

/** An hourly check of a 24 h window ending at `at`. */
function check(
  at: number,
  drifted: boolean | null,
  extra: Partial<DriftCheckSummary> = {},
): DriftCheckSummary {
  return {
    checkedAt: at,
    status: 'checked',
    sampleSize: 1440,
    drifted,
    share: drifted ? 0.7 : 0.1,
    features: [{ name: 'vol_20', method: 'wasserstein', statistic: 0.3, drifted: drifted === true }],
    performanceDegraded: false,
    windowStart: at - 24 * HOUR,
    windowEnd: at,
    ...extra,
  };
}

describe('drift hysteresis over disjoint windows', () => {
  it('counts a check only when its window starts after the last counted window ended', () => {
    const policy = { breaches: 2, window: 3 };
    let step = applyDriftHysteresis([], { drifted: true, from: 0, to: 24 }, policy);
    assert.equal(step.counted, true);
    step = applyDriftHysteresis(step.history, { drifted: true, from: 1, to: 25 }, policy);
    assert.equal(step.counted, false);
    assert.equal(step.fire, false);
    step = applyDriftHysteresis(step.history, { drifted: true, from: 24, to: 48 }, policy);
    assert.equal(step.counted, true);
    assert.equal(step.fire, true);
    assert.deepEqual(step.history, []);
  });

  it('lets a drifted window overlap a stable one, never an earlier breach', () => {
    const policy = { breaches: 2, window: 3 };
    let step = applyDriftHysteresis([], { drifted: false, from: 0, to: 24 }, policy);
    // Stable checks overlapping the counted stable one are not counted...
    assert.equal(
      applyDriftHysteresis(step.history, { drifted: false, from: 1, to: 25 }, policy).counted,
      false,
    );
    // ...but a drifted one is: the change began inside the window.
    step = applyDriftHysteresis(step.history, { drifted: true, from: 2, to: 26 }, policy);
    assert.equal(step.counted, true);
    assert.equal(step.breaches, 1);
    step = applyDriftHysteresis(step.history, { drifted: true, from: 20, to: 44 }, policy);
    assert.equal(step.counted, false);
    step = applyDriftHysteresis(step.history, { drifted: true, from: 26, to: 50 }, policy);
    assert.equal(step.fire, true);
  });

  it('24 drifted hourly checks of one 24 h window are one window, not a retraining', () => {
    const s = SupervisorState.initial('btc', parseSupervisorPolicy({}), T0, 1);
    for (let h = 1; h <= 24; h++) s.recordDriftCheck(check(T0 + h * HOUR, true));
    assert.equal(s.nextToStart(T0 + 24 * HOUR), null);
    // The next disjoint window drifts too: 2 of 3, a request.
    s.recordDriftCheck(check(T0 + 25 * HOUR, true));
    assert.equal(s.nextToStart(T0 + 25 * HOUR)?.trigger, 'drift');
  });

  it('checks without a window (older histories) count as before', () => {
    const s = SupervisorState.initial('btc', parseSupervisorPolicy({}), T0, 1);
    s.recordDriftCheck(check(T0 + HOUR, true, { windowStart: undefined, windowEnd: undefined }));
    s.recordDriftCheck(check(T0 + 2 * HOUR, true, { windowStart: undefined, windowEnd: undefined }));
    assert.equal(s.nextToStart(T0 + 2 * HOUR)?.trigger, 'drift');
  });

  it('treats drifted: null as no decision, neither drifted nor stable', () => {
    const s = SupervisorState.initial('btc', parseSupervisorPolicy({}), T0, 1);
    s.recordDriftCheck(check(T0 + HOUR, true));
    const before = s.snapshot().driftBreaches;
    s.recordDriftCheck(check(T0 + 30 * HOUR, null, { reason: 'no feature could be tested' }));
    const snap = s.snapshot();
    assert.deepEqual(snap.driftBreaches, before);
    assert.match(snap.decisions.at(-1)!.detail, /no decision: checked — no feature could be tested/);
    s.recordDriftCheck(check(T0 + 31 * HOUR, true));
    assert.equal(s.nextToStart(T0 + 31 * HOUR)?.trigger, 'drift');
  });
});
