import assert from 'node:assert/strict';
import { parseSupervisorPolicy } from '../../../src/workflows/policies/supervisor-policy';
import { SupervisorState } from '../../../src/workflows/supervisor/supervisor-state';
import type { DriftCheckSummary } from '../../../src/workflows/supervisor/supervisor-types';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);

function supervisor(policy: object = {}) {
  return SupervisorState.initial('btc', parseSupervisorPolicy(policy), T0, 1);
}

function drift(
  at: number,
  drifted: boolean,
  status: DriftCheckSummary['status'] = 'checked',
): DriftCheckSummary {
  return {
    checkedAt: at,
    status,
    sampleSize: 500,
    drifted,
    share: drifted ? 0.7 : 0.1,
    features: [{ name: 'vol_20', method: 'ks', statistic: 0.3, pValue: drifted ? 1e-6 : 0.4, drifted }],
    performanceDegraded: false,
  };
}

function start(s: SupervisorState, at: number) {
  const request = s.nextToStart(at);
  assert.ok(request, 'expected a request to start');
  const jobNumber = s.takeJobNumber();
  s.started({ jobNumber, workflowId: `retrain:btc:${jobNumber}`, trigger: request.trigger, startedAt: at });
  return `retrain:btc:${jobNumber}`;
}

describe('SupervisorState', () => {
  it('coalesces requests that arrive while one is pending or running into one retraining', () => {
    const s = supervisor();
    s.request({ trigger: 'manual', reason: 'first', requestedBy: 'ana' }, T0);
    s.request({ trigger: 'manual', reason: 'second', requestedBy: 'ana' }, T0 + 1);
    const id = start(s, T0 + 2);
    s.request({ trigger: 'drift', reason: 'drift', requestedBy: 'supervisor' }, T0 + 3);
    assert.equal(s.nextToStart(T0 + 4), null, 'nothing starts while one runs');
    s.finished({ workflowId: id, status: 'completed', detail: 'ok' }, T0 + 5);
    assert.equal(s.nextToStart(T0 + 6), null, 'the requests were merged, not queued');
    assert.equal(s.status(T0 + 6).coalesced, 2);
  });

  it('holds automatic requests for the cooldown but lets a manual one through', () => {
    const s = supervisor({ cooldown: '6h' });
    s.request({ trigger: 'manual', reason: 'go', requestedBy: 'ana' }, T0);
    const id = start(s, T0);
    s.finished({ workflowId: id, status: 'completed', detail: 'ok' }, T0 + HOUR);
    s.request({ trigger: 'drift', reason: 'drift', requestedBy: 'supervisor' }, T0 + 2 * HOUR);
    assert.equal(s.nextToStart(T0 + 2 * HOUR), null);
    assert.equal(s.nextWakeAt(T0 + 2 * HOUR), Math.min(T0 + 7 * HOUR, s.nextDriftCheckAt));
    assert.equal(s.nextToStart(T0 + 7 * HOUR)?.trigger, 'drift');
    // A manual request replaces the waiting automatic one and skips the cooldown.
    s.request({ trigger: 'manual', reason: 'now please', requestedBy: 'ana' }, T0 + 2 * HOUR);
    assert.equal(s.nextToStart(T0 + 2 * HOUR)?.trigger, 'manual');
  });

  it('drops automatic requests once the daily budget is spent, and counts it per UTC day', () => {
    const s = supervisor({ cooldown: '1s', maxRetrainsPerDay: 1 });
    s.request({ trigger: 'scheduled', reason: 'nightly', requestedBy: 'schedule' }, T0);
    const id = start(s, T0);
    s.finished({ workflowId: id, status: 'completed', detail: 'ok' }, T0 + 1000);
    s.request({ trigger: 'drift', reason: 'drift', requestedBy: 'supervisor' }, T0 + HOUR);
    assert.equal(s.nextToStart(T0 + HOUR), null);
    assert.match(s.status(T0 + HOUR).decisions.at(-1)!.detail, /daily budget of 1 spent/);
    assert.equal(s.status(T0 + HOUR).budgetLeftToday, 0);
    assert.equal(s.status(T0 + 24 * HOUR).budgetLeftToday, 1);
  });

  it('asks for a drift retraining only after N drifted checks among the last M', () => {
    const s = supervisor({ hysteresis: { breaches: 2, window: 3 }, cooldown: '1s' });
    s.recordDriftCheck(drift(T0 + HOUR, true));
    assert.equal(s.nextToStart(T0 + HOUR), null, 'one breach is not enough');
    s.recordDriftCheck(drift(T0 + 2 * HOUR, false));
    s.recordDriftCheck(drift(T0 + 3 * HOUR, true));
    const request = s.nextToStart(T0 + 3 * HOUR);
    assert.equal(request?.trigger, 'drift');
    assert.match(request!.reason, /drift in 2 of the last 3 disjoint windows: vol_20/);
  });

  it('forgets breaches that slid out of the window and ignores checks without data', () => {
    const s = supervisor({ hysteresis: { breaches: 2, window: 2 } });
    s.recordDriftCheck(drift(T0 + HOUR, true));
    s.recordDriftCheck(drift(T0 + 2 * HOUR, false));
    s.recordDriftCheck(drift(T0 + 3 * HOUR, false, 'insufficient-data'));
    s.recordDriftCheck(drift(T0 + 4 * HOUR, true));
    assert.equal(s.nextToStart(T0 + 4 * HOUR), null);
  });

  it('survives a snapshot round trip through JSON (continue-as-new)', () => {
    const s = supervisor();
    s.request({ trigger: 'manual', reason: 'x', requestedBy: 'y' }, T0);
    const restored = SupervisorState.restore(JSON.parse(JSON.stringify(s.snapshot())));
    assert.deepEqual(restored.snapshot(), s.snapshot());
    assert.equal(restored.nextToStart(T0)?.reason, 'x');
  });

  it('rejects policies with a message naming the field', () => {
    assert.throws(
      () => parseSupervisorPolicy({ cooldown: 'later' }),
      /^Error: policy\.cooldown: expected a duration/,
    );
    assert.throws(() => parseSupervisorPolicy({ maxRetrainsPerDay: -1 }), /policy\.maxRetrainsPerDay/);
    assert.throws(() => parseSupervisorPolicy({ unknownKnob: 1 }), /policy\.\(root\): Unrecognized key/);
  });
});
