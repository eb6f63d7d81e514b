import { parseDuration } from '../../util/duration';
import type { SupervisorPolicy } from '../policies/supervisor-policy';
import type {
  Decision,
  DriftCheckSummary,
  RetrainingOutcome,
  RetrainingRequest,
  RunningJob,
  SupervisorSnapshot,
  SupervisorStatus,
} from './supervisor-types';

const MAX_DECISIONS = 30;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The supervisor's rules, free of Temporal: coalescing of requests, at most one retraining at a time,
 * cooldown, daily budget of automatic retrainings, N-of-M drift hysteresis. The workflow feeds it
 * events and the current time; tests drive it directly.
 */
export class SupervisorState {
  private constructor(private s: SupervisorSnapshot) {}

  static initial(
    model: string,
    policy: SupervisorPolicy,
    now: number,
    nextJobNumber: number,
  ): SupervisorState {
    return new SupervisorState({
      model,
      policy,
      pending: null,
      running: null,
      lastStarted: null,
      coalesced: 0,
      nextJobNumber,
      lastFinishedAt: null,
      automaticRetrains: { day: utcDay(now), count: 0 },
      driftBreaches: [],
      lastDrift: null,
      nextDriftCheckAt: now + parseDuration(policy.driftCheckInterval),
      decisions: [],
      lastOutcome: null,
    });
  }

  static restore(snapshot: SupervisorSnapshot): SupervisorState {
    return new SupervisorState(JSON.parse(JSON.stringify(snapshot)) as SupervisorSnapshot);
  }

  snapshot(): SupervisorSnapshot {
    return JSON.parse(JSON.stringify(this.s)) as SupervisorSnapshot;
  }

  get policy(): SupervisorPolicy {
    return this.s.policy;
  }

  get running(): RunningJob | null {
    return this.s.running;
  }

  get nextDriftCheckAt(): number {
    return this.s.nextDriftCheckAt;
  }

  private decide(at: number, kind: Decision['kind'], detail: string): void {
    const last = this.s.decisions.at(-1);
    // A condition that persists (drift while the budget is spent) is one decision, not one per check.
    if (last && last.kind === kind && last.detail === detail) {
      last.at = at;
      return;
    }
    this.s.decisions.push({ at, kind, detail });
    if (this.s.decisions.length > MAX_DECISIONS) this.s.decisions.shift();
  }

  /** A retraining request; merged into the pending or running one when there is one. */
  request(request: RetrainingRequest, now: number): void {
    if (this.s.running || this.s.pending) {
      this.s.coalesced++;
      // A person asking explicitly outranks an automatic trigger waiting for its cooldown.
      if (this.s.pending && request.trigger === 'manual' && this.s.pending.trigger !== 'manual')
        this.s.pending = request;
      const into = this.s.running ? `running ${this.s.running.workflowId}` : 'the pending request';
      this.decide(now, 'coalesced', `${request.trigger} request (${request.reason}) merged into ${into}`);
      return;
    }
    this.s.pending = request;
    this.decide(now, 'requested', `${request.trigger}: ${request.reason} (by ${request.requestedBy})`);
  }

  private cooldownEndsAt(): number | null {
    return this.s.lastFinishedAt === null
      ? null
      : this.s.lastFinishedAt + parseDuration(this.s.policy.cooldown);
  }

  private automaticCountToday(now: number): number {
    return this.s.automaticRetrains.day === utcDay(now) ? this.s.automaticRetrains.count : 0;
  }

  /**
   * The request to start now, if any. Manual requests start as soon as nothing runs; automatic ones
   * also wait for the cooldown, and are dropped (with a decision) when today's budget is spent.
   */
  nextToStart(now: number): RetrainingRequest | null {
    const pending = this.s.pending;
    if (!pending || this.s.running) return null;
    if (pending.trigger === 'manual') return pending;
    if (this.automaticCountToday(now) >= this.s.policy.maxRetrainsPerDay) {
      this.decide(
        now,
        'skipped',
        `${pending.trigger} retraining skipped: daily budget of ${this.s.policy.maxRetrainsPerDay} spent`,
      );
      this.s.pending = null;
      return null;
    }
    const cooldownEnd = this.cooldownEndsAt();
    return cooldownEnd !== null && now < cooldownEnd ? null : pending;
  }

  /** Reserves the next job number (a workflow id that turned out to be taken just skips it). */
  takeJobNumber(): number {
    return this.s.nextJobNumber++;
  }

  started(job: RunningJob): void {
    const pending = this.s.pending;
    this.s.pending = null;
    this.s.running = job;
    this.s.lastStarted = job;
    if (pending && pending.trigger !== 'manual') {
      const day = utcDay(job.startedAt);
      this.s.automaticRetrains = { day, count: this.automaticCountToday(job.startedAt) + 1 };
    }
    this.decide(job.startedAt, 'started', `${job.workflowId} (${job.trigger})`);
  }

  finished(outcome: RetrainingOutcome, now: number): void {
    if (!this.s.running || this.s.running.workflowId !== outcome.workflowId) {
      this.decide(now, 'finished', `ignored a late report from ${outcome.workflowId}`);
      return;
    }
    this.s.running = null;
    this.s.lastFinishedAt = now;
    this.s.lastOutcome = outcome;
    this.decide(now, 'finished', `${outcome.workflowId}: ${outcome.status} — ${outcome.detail}`);
  }

  /**
   * Records a drift check; N drifted windows among the last M disjoint ones request a retraining.
   * An undecided check (status other than 'checked', or `drifted: null`) is no decision either way.
   */
  recordDriftCheck(summary: DriftCheckSummary): void {
    const now = summary.checkedAt;
    this.s.lastDrift = summary;
    this.s.nextDriftCheckAt = now + parseDuration(this.s.policy.driftCheckInterval);
    if (summary.status !== 'checked' || summary.drifted === null) {
      this.decide(
        now,
        'drift-check',
        `no decision: ${summary.status}${summary.reason ? ` — ${summary.reason}` : ''} (${summary.sampleSize} predictions)`,
      );
      return;
    }
    const { breaches, window } = this.s.policy.hysteresis;
    const step = applyDriftHysteresis(
      this.s.driftWindows ?? this.s.driftBreaches.map((drifted) => ({ drifted })),
      {
        drifted: summary.drifted,
        ...(summary.windowStart !== undefined ? { from: summary.windowStart } : {}),
        ...(summary.windowEnd !== undefined ? { to: summary.windowEnd } : {}),
      },
      { breaches, window },
    );
    this.s.driftWindows = step.history;
    this.s.driftBreaches = step.history.map((w) => w.drifted);
    const count = step.breaches;
    const drifted = summary.features.filter((f) => f.drifted).map((f) => f.name);
    this.decide(
      now,
      'drift-check',
      `${summary.drifted ? 'drifted' : 'stable'}: share ${summary.share.toFixed(2)}, ${count}/${window} recent windows drifted` +
        (step.counted ? '' : ' (window overlaps the last counted one: not counted)') +
        (drifted.length ? ` (${drifted.slice(0, 5).join(', ')}${drifted.length > 5 ? ', …' : ''})` : ''),
    );
    if (step.fire) {
      this.request(
        {
          trigger: 'drift',
          reason: `drift in ${count} of the last ${window} disjoint windows: ${drifted.join(', ')}`,
          requestedBy: 'supervisor',
        },
        now,
      );
    } else if (summary.performanceDegraded) {
      this.request(
        {
          trigger: 'performance',
          reason: summary.performanceDetail ?? 'performance degraded',
          requestedBy: 'supervisor',
        },
        now,
      );
    }
  }

  driftCheckFailed(now: number, message: string): void {
    this.s.nextDriftCheckAt = now + parseDuration(this.s.policy.driftCheckInterval);
    this.decide(now, 'drift-check', `check failed: ${message}`);
  }

  setPolicy(policy: SupervisorPolicy, now: number): void {
    this.s.policy = policy;
    this.s.nextDriftCheckAt = Math.min(
      this.s.nextDriftCheckAt,
      now + parseDuration(policy.driftCheckInterval),
    );
    this.decide(now, 'policy', 'policy updated');
  }

  /** When the workflow must wake up next without a message: drift check due, or cooldown over. */
  nextWakeAt(now: number): number {
    let wake = this.s.nextDriftCheckAt;
    const cooldownEnd = this.cooldownEndsAt();
    if (this.s.pending && !this.s.running && cooldownEnd !== null && cooldownEnd > now)
      wake = Math.min(wake, cooldownEnd);
    return wake;
  }

  status(now: number): SupervisorStatus {
    return {
      ...this.snapshot(),
      cooldownEndsAt: this.cooldownEndsAt(),
      budgetLeftToday: Math.max(0, this.s.policy.maxRetrainsPerDay - this.automaticCountToday(now)),
    };
  }
}

/** One counted drift check: its verdict and, for checks that report it, its rows' window. */
export interface DriftWindowVerdict {
  drifted: boolean;
  from?: number;
  to?: number;
}

/**
 * N-of-M hysteresis over disjoint windows (dependent-data.md §4). A drifted check counts only when
 * its window starts at or after the end of the last counted drifted one, a stable check only after
 * the end of the last counted one: consecutive hourly checks of a 24 h window see 96% the same
 * rows, so counting each would count one piece of evidence many times.
 * A check without a window (recorded before checks reported one) counts as before, so replayed
 * histories decide as they did. When a drifted counted window brings the drifted count among the
 * last `window` counted ones to `breaches`, it fires, and the count starts afresh so that one
 * episode of drift asks for one retraining.
 */
export function applyDriftHysteresis(
  history: readonly DriftWindowVerdict[],
  check: DriftWindowVerdict,
  policy: { breaches: number; window: number },
): { history: DriftWindowVerdict[]; counted: boolean; breaches: number; fire: boolean } {
  // A breach must not share rows with an earlier counted breach, a stable verdict with the last
  // counted verdict. A drifted window may overlap a stable one: the breaches stay disjoint, and a
  // change that starts inside a window is not made to wait a whole window to be counted.
  const last = check.drifted ? history.filter((w) => w.drifted).at(-1) : history.at(-1);
  const counted =
    last === undefined || check.from === undefined || last.to === undefined || check.from >= last.to;
  const next = counted ? [...history, check].slice(-policy.window) : [...history];
  const breaches = next.filter((w) => w.drifted).length;
  const fire = counted && check.drifted && breaches >= policy.breaches;
  return { history: fire ? [] : next, counted, breaches, fire };
}
