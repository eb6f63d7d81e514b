import type { SupervisorPolicy, SupervisorPolicyInput } from '../../policies/supervisor-policy';

export type RetrainingTrigger = 'scheduled' | 'drift' | 'performance' | 'manual';

export interface RetrainingRequest {
  trigger: RetrainingTrigger;
  reason: string;
  requestedBy: string;
}

export interface RunningJob {
  jobNumber: number;
  workflowId: string;
  trigger: RetrainingTrigger;
  startedAt: number;
}

export interface RetrainingOutcome {
  workflowId: string;
  status: 'completed' | 'rejected' | 'failed' | 'cancelled';
  detail: string;
  promotedVersion?: number;
}

export interface FeatureDriftScore {
  name: string;
  method: string;
  statistic: number;
  pValue?: number;
  drifted: boolean;
}

export interface DriftCheckSummary {
  checkedAt: number;
  /** 'checked' decided; the others are undecided checks ('untestable': no feature could be tested). */
  status: 'checked' | 'insufficient-data' | 'no-champion' | 'untestable';
  /** Why an undecided check did not decide. */
  reason?: string;
  sampleSize: number;
  /** null: the check did not decide (not "not drifted"). */
  drifted: boolean | null;
  /** The rows' time window (epoch ms): the hysteresis counts only disjoint windows. */
  windowStart?: number;
  windowEnd?: number;
  /** 'fixed', 'reference-chunks' or 'block-bootstrap'. */
  thresholds?: string;
  share: number;
  features: FeatureDriftScore[];
  predictionDrift?: FeatureDriftScore;
  performanceDegraded: boolean;
  performanceDetail?: string;
}

export interface Decision {
  at: number;
  kind:
    | 'requested'
    | 'coalesced'
    | 'started'
    | 'finished'
    | 'skipped'
    | 'drift-check'
    | 'policy'
    | 'rejected'
    | 'reconciled'
    | 'stuck';
  detail: string;
}

/** A message the supervisor refused (bad payload): kept so that `galfriday status` and the UI show it. */
export interface RejectedMessage {
  at: number;
  /** `signal requestRetraining`, `update requestRetraining`, `signal retrainingFinished`. */
  message: string;
  error: string;
  payload: string;
}

/** What the `requestRetraining` update answers: the job that will handle the request. */
export interface RetrainingRequestAnswer {
  workflowId: string;
  jobNumber: number;
  /** The job's trigger (not manual when the request was merged into an automatic job). */
  trigger: RetrainingTrigger;
  /** True when the request was merged into a job that was already running. */
  merged: boolean;
}

/** What the supervisor learns about its running job when it reconciles (see reconcileRetrainingJob). */
export type JobReconciliation =
  | { state: 'running'; startedAt?: number }
  | { state: 'closed'; outcome: RetrainingOutcome }
  | { state: 'unknown'; detail: string };

/** Everything the supervisor carries across continue-as-new: plain JSON, no Map/Set/Date. */
export interface SupervisorSnapshot {
  model: string;
  policy: SupervisorPolicy;
  pending: RetrainingRequest | null;
  running: RunningJob | null;
  /** The most recently started job, running or not (callers find "their" job by its start time). */
  lastStarted: RunningJob | null;
  coalesced: number;
  nextJobNumber: number;
  lastFinishedAt: number | null;
  automaticRetrains: { day: string; count: number };
  driftBreaches: boolean[];
  /** The counted (disjoint) drift windows behind `driftBreaches`; absent in snapshots from before. */
  driftWindows?: Array<{ drifted: boolean; from?: number; to?: number }>;
  lastDrift: DriftCheckSummary | null;
  nextDriftCheckAt: number;
  decisions: Decision[];
  lastOutcome: RetrainingOutcome | null;
  /** Refused messages: how many, and the newest few (absent in snapshots of older runs). */
  rejected?: { count: number; recent: RejectedMessage[] };
  /** Reports of jobs not (yet) known as running: a fast job can report before its start is seen. */
  earlyReports?: RetrainingOutcome[];
  /** The strongest request merged into the running job; requeued if that job vanishes unreported. */
  mergedIntoRunning?: RetrainingRequest | null;
  /** Drift checks done so far (seeds the jitter of the next check time). */
  driftChecks?: number;
  /** The running job was seen past the policy's jobTimeout (alerted once). */
  stuckJob?: { workflowId: string; since: number } | null;
}

export interface SupervisorInput {
  model: string;
  policy?: SupervisorPolicyInput;
  /** Carried state after continue-as-new. */
  state?: SupervisorSnapshot;
  /** Test hook: continue-as-new after this many loop iterations. */
  continueAsNewAfter?: number;
}

export interface SupervisorStatus extends SupervisorSnapshot {
  cooldownEndsAt: number | null;
  budgetLeftToday: number;
}
