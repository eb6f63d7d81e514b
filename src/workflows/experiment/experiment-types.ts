import type { ExperimentPolicy } from '../policies/experiment-policy';

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
}

export interface ExperimentAnalysis {
  analysedAt: number;
  arms: ArmAnalysis[];
  comparisons: ArmComparison[];
  srm: { chi2: number; pValue: number; mismatch: boolean };
  guardrailBreaches: string[];
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
