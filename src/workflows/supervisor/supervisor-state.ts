import { parseDuration } from '../../util/duration';
import type { SupervisorPolicy } from '../../policies/supervisor-policy';
import type {
  Decision,
  DriftCheckSummary,
  JobReconciliation,
  RejectedMessage,
  RetrainingOutcome,
  RetrainingRequest,
  RunningJob,
  SupervisorSnapshot,
  SupervisorStatus,
} from './supervisor-types';

const MAX_DECISIONS = 30;
const MAX_REJECTED = 5;
const MAX_EARLY_REPORTS = 10;

/**
 * Behaviour added after supervisors were already running. The workflow turns each on behind its
 * `patched()` marker, so that a run recorded before it replays as it ran (see supervisor-patches.ts).
 */
export interface SupervisorBehaviour {
  /** Keep reports of jobs not known as running, requeue requests merged into a vanished job. */
  reconcile: boolean;
  /** Put each next drift check off by a deterministic share of the interval (policy.driftCheckJitter). */
  jitter: boolean;
}

const LEGACY: SupervisorBehaviour = { reconcile: false, jitter: false };

/** FNV-1a of a text, as a number in [0, 1): the same model and check number always give the same value. */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The supervisor's rules, free of Temporal: coalescing of requests, at most one retraining at a time,
 * cooldown, daily budget of automatic retrainings, N-of-M drift hysteresis. The workflow feeds it
 * events and the current time; tests drive it directly.
 */
export class SupervisorState {
  private constructor(
    private s: SupervisorSnapshot,
    private readonly behaviour: SupervisorBehaviour = LEGACY,
  ) {}

  static initial(
    model: string,
    policy: SupervisorPolicy,
    now: number,
    nextJobNumber: number,
    behaviour: SupervisorBehaviour = LEGACY,
  ): SupervisorState {
    const state = new SupervisorState(
      {
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
      },
      behaviour,
    );
    state.s.nextDriftCheckAt = state.nextCheckAfter(now);
    return state;
  }

  static restore(snapshot: SupervisorSnapshot, behaviour: SupervisorBehaviour = LEGACY): SupervisorState {
    return new SupervisorState(JSON.parse(JSON.stringify(snapshot)) as SupervisorSnapshot, behaviour);
  }

  /**
   * When the check after one at `now` is due. With jitter, later by up to driftCheckJitter of the
   * interval, drawn from a hash of the model and the check's number: deterministic (replay gives
   * the same times) yet different from model to model and from check to check, so supervisors that
   * were started together do not stay in step.
   */
  private nextCheckAfter(now: number): number {
    const interval = parseDuration(this.s.policy.driftCheckInterval);
    const share = this.behaviour.jitter ? (this.s.policy.driftCheckJitter ?? 0) : 0;
    if (share <= 0) return now + interval;
    const u = unitHash(`${this.s.model}:${this.s.driftChecks ?? 0}`);
    return now + interval + Math.floor(u * share * interval);
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

  get lastStarted(): RunningJob | null {
    return this.s.lastStarted;
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

  /** A message whose payload did not parse: recorded, and otherwise ignored. */
  rejected(message: Omit<RejectedMessage, 'at'>, now: number): void {
    const rejected = (this.s.rejected ??= { count: 0, recent: [] });
    rejected.count++;
    rejected.recent.push({ at: now, ...message });
    while (rejected.recent.length > MAX_REJECTED) rejected.recent.shift();
    this.decide(now, 'rejected', `${message.message} refused: ${message.error}`);
  }

  /** A retraining request; merged into the pending or running one when there is one. */
  request(request: RetrainingRequest, now: number): void {
    if (this.s.running || this.s.pending) {
      this.s.coalesced++;
      if (this.behaviour.reconcile && this.s.running) {
        const merged = this.s.mergedIntoRunning ?? null;
        if (!merged || (request.trigger === 'manual' && merged.trigger !== 'manual'))
          this.s.mergedIntoRunning = request;
      }
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
    this.s.mergedIntoRunning = null;
    this.s.stuckJob = null;
    if (pending && pending.trigger !== 'manual') {
      const day = utcDay(job.startedAt);
      this.s.automaticRetrains = { day, count: this.automaticCountToday(job.startedAt) + 1 };
    }
    this.decide(job.startedAt, 'started', `${job.workflowId} (${job.trigger})`);
    // A job that failed at once can report in the same activation as its start, before it is known.
    const early = this.s.earlyReports?.findIndex((r) => r.workflowId === job.workflowId) ?? -1;
    if (early >= 0) this.finished(this.s.earlyReports!.splice(early, 1)[0]!, job.startedAt);
  }

  finished(outcome: RetrainingOutcome, now: number): void {
    if (!this.s.running || this.s.running.workflowId !== outcome.workflowId) {
      if (!this.behaviour.reconcile) {
        this.decide(now, 'finished', `ignored a late report from ${outcome.workflowId}`);
        return;
      }
      if (this.s.lastOutcome?.workflowId === outcome.workflowId) return; // already reconciled
      const early = (this.s.earlyReports ??= []);
      if (!early.some((r) => r.workflowId === outcome.workflowId)) early.push(outcome);
      while (early.length > MAX_EARLY_REPORTS) early.shift();
      this.decide(now, 'finished', `kept a report from ${outcome.workflowId}, not known as running`);
      return;
    }
    this.s.running = null;
    this.s.lastFinishedAt = now;
    this.s.lastOutcome = outcome;
    this.s.stuckJob = null;
    this.decide(now, 'finished', `${outcome.workflowId}: ${outcome.status} — ${outcome.detail}`);
  }

  /**
   * What the supervisor found out about its running job without being told: a job that closed
   * without reporting (terminated, timed out, reset, its report lost) ends here as if it had
   * reported, and the request merged into it is asked again, since no job served it. Returns true
   * when the running job is seen past the policy's jobTimeout for the first time (alert once).
   */
  reconciled(workflowId: string, found: JobReconciliation, now: number): boolean {
    const running = this.s.running;
    if (!running || running.workflowId !== workflowId) return false;
    if (found.state === 'closed') {
      this.finished(found.outcome, now);
      this.decide(now, 'reconciled', `${workflowId} had closed without reporting: ${found.outcome.detail}`);
      const merged = this.s.mergedIntoRunning ?? null;
      this.s.mergedIntoRunning = null;
      if (merged && !this.s.pending) {
        this.s.pending = merged;
        this.decide(now, 'requested', `${merged.trigger}: ${merged.reason} (asked again: its job vanished)`);
      }
      return false;
    }
    const timeout = this.s.policy.jobTimeout;
    if (found.state === 'running' && timeout !== undefined && !this.s.stuckJob) {
      if (now - running.startedAt > parseDuration(timeout)) {
        this.s.stuckJob = { workflowId, since: now };
        this.decide(now, 'stuck', `${workflowId} has run longer than jobTimeout ${timeout}`);
        return true;
      }
    }
    return false;
  }

  /**
   * Records a drift check; N drifted windows among the last M disjoint ones request a retraining.
   * An undecided check (status other than 'checked', or `drifted: null`) is no decision either way.
   */
  /**
   * `at` is the workflow's time when the check ended. Runs recorded before it was passed scheduled the
   * next check from the worker's clock (`checkedAt`): a worker clock behind the server's, or a
   * time-skipping test server, made the next check due at once.
   */
  recordDriftCheck(summary: DriftCheckSummary, at: number = summary.checkedAt): void {
    const now = at;
    this.s.lastDrift = summary;
    this.s.nextDriftCheckAt = this.countCheckAndScheduleNext(now);
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

  private countCheckAndScheduleNext(now: number): number {
    if (this.behaviour.jitter) this.s.driftChecks = (this.s.driftChecks ?? 0) + 1;
    return this.nextCheckAfter(now);
  }

  driftCheckFailed(now: number, message: string): void {
    this.s.nextDriftCheckAt = this.countCheckAndScheduleNext(now);
    this.decide(now, 'drift-check', `check failed: ${message}`);
  }

  setPolicy(policy: SupervisorPolicy, now: number): void {
    this.s.policy = policy;
    this.s.nextDriftCheckAt = Math.min(this.s.nextDriftCheckAt, this.nextCheckAfter(now));
    this.decide(now, 'policy', 'policy updated');
  }

  /**
   * When the workflow must wake up next without a message: drift check due, or cooldown over. A check
   * already in flight is not due again: its end wakes the workflow (Infinity when nothing else is due).
   */
  nextWakeAt(now: number, driftCheckInFlight = false): number {
    let wake = driftCheckInFlight ? Number.POSITIVE_INFINITY : this.s.nextDriftCheckAt;
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
