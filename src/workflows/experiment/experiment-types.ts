import type { ExperimentPolicy } from '../../policies/experiment-policy';

export interface ExperimentVariantInfo {
  variant: string;
  versionId: string;
  version: number;
  isControl: boolean;
  weight: number;
}

export interface ExperimentInfo {
  experimentId: string;
  model: string;
  policy: ExperimentPolicy;
  variants: ExperimentVariantInfo[];
  coverage: number;
  startedAt: number;
}

export interface ArmAnalysis {
  variant: string;
  isControl: boolean;
  assignments: number;
  /** Distinct units by their first assignment (sticky strategies); undefined when not counted. */
  units?: number;
  /** Outcomes that carry the primary metric. */
  n: number;
  mean: number;
  variance: number;
  totalReturn: number;
  maxDrawdown: number;
}

export interface ArmComparison {
  variant: string;
  diff: number;
  /** Always-valid p-value (running minimum over looks). */
  pValue: number;
  /** Confidence-sequence interval; null until both arms have data to compute one. */
  ci: [number, number] | null;
  /** Level the variance was computed at: per unit (delta method), per period (HAC) or per row. */
  level?: AnalysisLevel;
  /** The fixed mixing variance τ² of the always-valid test. */
  tau2?: number;
}

export type AnalysisLevel = 'unit' | 'period' | 'row';

/** Champion vs challenger scored on the same bars (served + shadow). */
export interface PairedAnalysis {
  /** The challenger arm the comparison is about. */
  variant: string;
  score: 'brier' | 'log' | 'pnl';
  bars: number;
  /** Mean score differential, positive when the challenger is better. */
  meanDifference: number;
  /** Anytime-valid confidence sequence for the average differential. */
  interval: [number, number];
  decision: 'promote' | 'reject' | 'continue';
  /** Fixed-horizon Diebold–Mariano (HAC) view of the same differentials, for the report. */
  dieboldMariano: { statistic: number; pValue: number; lags: number } | null;
}

export interface ExperimentAnalysis {
  analysedAt: number;
  arms: ArmAnalysis[];
  comparisons: ArmComparison[];
  srm: {
    chi2: number;
    pValue: number;
    mismatch: boolean;
    /** What was counted: distinct units, routing decisions, per-epoch decisions, or nothing. */
    counted?: 'units' | 'decisions' | 'epochs' | 'none';
  };
  guardrailBreaches: string[];
  /** The paired comparison, when the experiment has shadow scores. */
  paired?: PairedAnalysis | null;
  /** Why something was not checked or fell back (no shadow scores, no unit counts, …). */
  notes?: string[];
}

export type ExperimentEnd =
  | { kind: 'significant'; winner: string; reason: string }
  | { kind: 'futility'; reason: string }
  | { kind: 'guardrail'; reason: string }
  | { kind: 'srm'; reason: string }
  | { kind: 'stopped'; reason: string }
  | { kind: 'concluded'; winner: string; reason: string };

export interface ExperimentResult {
  experimentId: string;
  status: 'completed' | 'stopped';
  reason: string;
  winner?: string;
  promotedVersion?: number;
  analysis?: ExperimentAnalysis;
}

/** How an experiment ended, as read back from the registry by a job that did not start it in this run. */
export type ExperimentEndSeen =
  | { kind: 'not-started' }
  | {
      kind: 'ended';
      status: 'completed' | 'stopped' | 'failed';
      reason: string;
      winner?: string;
      promotedVersion?: number;
    };

export interface ExperimentStatusView {
  experimentId: string;
  model: string | undefined;
  state: 'starting' | 'running' | 'paused' | 'held' | 'finishing' | 'done';
  coverage: number | undefined;
  analysis: ExperimentAnalysis | undefined;
  looks: number;
  end: ExperimentEnd | undefined;
}

export interface ChangeAllocationInput {
  coverage: number;
}

export interface ConcludeInput {
  winner: string;
  reason?: string;
}

/**
 * What an experiment's run hands to the next when it continues as new (its history would otherwise
 * reach Temporal's limit): everything the decisions depend on. The deadline is `info.startedAt` plus
 * the policy's maximum duration, so it is carried with `info` and never moves.
 */
export interface ExperimentCarriedState {
  /** The experiment as `startExperiment` returned it, with the fully resolved policy and current coverage. */
  info: ExperimentInfo;
  state: 'running' | 'paused' | 'held';
  /** Looks over all runs (SRM alerts are keyed by it). */
  looks: number;
  /** Always-valid p-values so far: the running minimum continues across runs. */
  previousPValues: Record<string, number>;
  analysis?: ExperimentAnalysis;
}

export interface ExperimentWorkflowInput {
  experimentId: string;
  /** Set only by the workflow itself when it continues as new. */
  carried?: ExperimentCarriedState;
  /**
   * Continue as new after this many looks in one run, even if Temporal has not suggested it yet.
   * @default 500 (about 5,500 events, well below the history limit); tests set a few.
   */
  continueAsNewAfterLooks?: number;
}
