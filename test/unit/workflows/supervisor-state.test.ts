import assert from 'node:assert/strict';
import { parseSupervisorPolicy } from '../../../src/policies/supervisor-policy';
import {
  SupervisorState,
  unitHash,
  type SupervisorBehaviour,
} from '../../../src/workflows/supervisor/supervisor-state';
import {
  parseMessage,
  REQUEST_EXAMPLE,
  retrainingRequestSchema,
} from '../../../src/workflows/supervisor/supervisor-messages';
import type { DriftCheckSummary } from '../../../src/workflows/supervisor/supervisor-types';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);

const CURRENT: SupervisorBehaviour = { reconcile: true, jitter: true };

function supervisor(policy: object = {}, behaviour?: SupervisorBehaviour, model = 'btc') {
  return SupervisorState.initial(model, parseSupervisorPolicy(policy), T0, 1, behaviour);
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

  it('keeps a report that arrives before its job is known as started, and applies it at the start', () => {
    const s = supervisor({}, CURRENT);
    s.request({ trigger: 'manual', reason: 'go', requestedBy: 'ana' }, T0);
    // The job failed at once: its signal is handled before the child-started resolution in one activation.
    s.finished({ workflowId: 'retrain:btc:1', status: 'failed', detail: 'boom' }, T0 + 1);
    start(s, T0 + 1);
    assert.equal(s.running, null, 'the early report ended the job as soon as it was known');
    assert.equal(s.status(T0 + 2).lastOutcome?.detail, 'boom');
    assert.equal(s.status(T0 + 2).earlyReports?.length, 0);
  });

  it('without the reconcile behaviour (runs recorded before it) an early report is ignored as late', () => {
    const s = supervisor();
    s.request({ trigger: 'manual', reason: 'go', requestedBy: 'ana' }, T0);
    s.finished({ workflowId: 'retrain:btc:1', status: 'failed', detail: 'boom' }, T0 + 1);
    start(s, T0 + 1);
    assert.notEqual(s.running, null);
  });

  it('ends a job found closed by reconciliation and asks again for the request merged into it', () => {
    const s = supervisor({}, CURRENT);
    s.request({ trigger: 'manual', reason: 'go', requestedBy: 'ana' }, T0);
    const id = start(s, T0);
    s.request({ trigger: 'drift', reason: 'drifted', requestedBy: 'supervisor' }, T0 + 1);
    s.request({ trigger: 'manual', reason: 'please', requestedBy: 'bob' }, T0 + 2);
    s.reconciled(id, { state: 'running' }, T0 + 3);
    assert.equal(s.running?.workflowId, id);
    s.reconciled(
      id,
      { state: 'closed', outcome: { workflowId: id, status: 'cancelled', detail: 'workflow terminated' } },
      T0 + 4,
    );
    assert.equal(s.running, null);
    assert.equal(s.status(T0 + 4).lastOutcome?.status, 'cancelled');
    assert.equal(s.nextToStart(T0 + 4)?.reason, 'please', 'the manual request outranks the drift one');
    // The job's own report, arriving late, changes nothing.
    s.finished({ workflowId: id, status: 'failed', detail: 'late' }, T0 + 5);
    assert.equal(s.status(T0 + 5).lastOutcome?.detail, 'workflow terminated');
  });

  it('flags a job running past jobTimeout once', () => {
    const s = supervisor({ jobTimeout: '1d' }, CURRENT);
    s.request({ trigger: 'manual', reason: 'go', requestedBy: 'ana' }, T0);
    const id = start(s, T0);
    assert.equal(s.reconciled(id, { state: 'running' }, T0 + 23 * HOUR), false);
    assert.equal(s.reconciled(id, { state: 'running' }, T0 + 25 * HOUR), true);
    assert.equal(s.reconciled(id, { state: 'running' }, T0 + 26 * HOUR), false, 'alerted once');
    assert.equal(s.status(T0 + 26 * HOUR).stuckJob?.workflowId, id);
  });

  it('records refused messages, keeping the newest five', () => {
    const s = supervisor({}, CURRENT);
    for (let i = 0; i < 7; i++)
      s.rejected({ message: 'signal requestRetraining', error: `e${i}`, payload: '{}' }, T0 + i);
    const status = s.status(T0 + 7);
    assert.equal(status.rejected?.count, 7);
    assert.deepEqual(
      status.rejected?.recent.map((r) => r.error),
      ['e2', 'e3', 'e4', 'e5', 'e6'],
    );
    assert.equal(status.pending, null);
  });

  it('parses request payloads, naming what is wrong', () => {
    const parse = (p: unknown) => parseMessage(retrainingRequestSchema, p, REQUEST_EXAMPLE);
    assert.deepEqual(parse({ trigger: 'drift', reason: ' r ', requestedBy: 'x' }), {
      ok: true,
      value: { trigger: 'drift', reason: 'r', requestedBy: 'x' },
    });
    for (const [payload, error] of [
      [undefined, /expected a JSON object/],
      [null, /expected a JSON object/],
      [[], /expected a JSON object/],
      [42, /expected a JSON object/],
      [{}, /^trigger: Invalid option/],
      [
        { trigger: 'Manual', reason: 'r', requestedBy: 'x' },
        /^trigger: Invalid option: expected one of "scheduled"/,
      ],
      [{ trigger: 'manual', reason: 'r', requestedBy: 'x', extra: 1 }, /Unrecognized key/],
      [{ trigger: 'manual', reason: 'r'.repeat(1001), requestedBy: 'x' }, /^reason:/],
    ] as const) {
      const result = parse(payload);
      assert.equal(result.ok, false, JSON.stringify(payload));
      assert.match((result as { error: string }).error, error);
    }
  });

  it('jitters drift checks by at most driftCheckJitter of the interval, differently per model and check', () => {
    const interval = HOUR;
    const times = (model: string) => {
      const s = supervisor({ driftCheckInterval: '1h', driftCheckJitter: 0.1 }, CURRENT, model);
      const at = [s.nextDriftCheckAt];
      for (let i = 0; i < 5; i++) {
        s.recordDriftCheck(drift(at.at(-1)!, false, 'insufficient-data'));
        at.push(s.nextDriftCheckAt);
      }
      return at;
    };
    const a = times('btc');
    const gaps = a.map((t, i) => t - (i === 0 ? T0 : a[i - 1]!));
    for (const gap of gaps) assert.ok(gap >= interval && gap < interval * 1.1, `gap ${gap}`);
    assert.ok(new Set(gaps).size > 1, 'the jitter differs from check to check');
    assert.notDeepEqual(times('eth'), a, 'and from model to model');
    assert.deepEqual(times('btc'), a, 'deterministic: replay computes the same times');
    const legacy = supervisor({ driftCheckInterval: '1h' });
    assert.equal(legacy.nextDriftCheckAt, T0 + interval, 'no jitter for runs recorded before it');
  });

  it('spreads a fleet started together: after a day of checks they are no longer in step', () => {
    // 200 supervisors started at the same instant, hourly checks, 24 checks each.
    const last = Array.from({ length: 200 }, (_, m) => {
      const s = supervisor({ driftCheckInterval: '1h' }, CURRENT, `model-${m}`);
      for (let i = 0; i < 24; i++) s.recordDriftCheck(drift(s.nextDriftCheckAt, false, 'insufficient-data'));
      return s.nextDriftCheckAt;
    });
    // Share of the fleet due in the busiest minute: without jitter it is all of it.
    const perMinute = new Map<number, number>();
    for (const t of last)
      perMinute.set(Math.floor(t / 60_000), (perMinute.get(Math.floor(t / 60_000)) ?? 0) + 1);
    const busiest = Math.max(...perMinute.values());
    assert.ok(busiest <= 20, `at most 10% of the fleet in one minute, got ${busiest}`);
    assert.ok(unitHash('a') !== unitHash('b') && unitHash('a') >= 0 && unitHash('a') < 1);
  });
});
