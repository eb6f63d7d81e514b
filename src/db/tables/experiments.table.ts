import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Timestamp } from './timestamp';

type Json<T = unknown> = ColumnType<T, string | undefined, string>;

export type ExperimentStatus = 'created' | 'running' | 'paused' | 'completed' | 'stopped' | 'failed';
/** Every {@link ExperimentStatus}, in lifecycle order (for validating a status given as text). */
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = [
  'created',
  'running',
  'paused',
  'completed',
  'stopped',
  'failed',
];
export type AllocationStrategy = 'hash' | 'random' | 'epsilon_greedy' | 'thompson';
export type PrimaryMetric = 'accuracy' | 'return';

export interface ExperimentTable {
  experiment_id: Generated<string>;
  model_id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  status: ColumnType<ExperimentStatus, ExperimentStatus | undefined, ExperimentStatus>;
  allocation_strategy: ColumnType<AllocationStrategy, AllocationStrategy | undefined, AllocationStrategy>;
  salt: string;
  coverage: ColumnType<number, number | undefined, number>;
  layer: string | null;
  primary_metric: ColumnType<PrimaryMetric, PrimaryMetric | undefined, never>;
  alpha: ColumnType<number, number | undefined, never>;
  minimum_detectable_effect: number | null;
  min_samples_per_variant: ColumnType<number, number | undefined, never>;
  max_samples_per_variant: number | null;
  max_duration_seconds: number | null;
  policy: Json;
  winner_variant: string | null;
  completion_reason: string | null;
  results: ColumnType<unknown, string | null | undefined, string | null>;
  workflow_id: string | null;
  created_by: ColumnType<string, string | undefined, never>;
  created_at: Generated<Date>;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
}

export interface ExperimentVariantTable {
  experiment_id: string;
  variant: string;
  model_id: string;
  version_id: string;
  weight: number;
  is_control: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface ExperimentAssignmentTable {
  assignment_id: string;
  experiment_id: string;
  variant: string;
  unit_id: string;
  assigned_at: Timestamp;
}

export interface ExperimentOutcomeTable {
  prediction_id: string;
  model_id: string;
  version_id: string;
  experiment_id: string | null;
  variant: string | null;
  correct: boolean | null;
  trade_return: number | null;
  signal_generated: boolean | null;
  prediction_at: Timestamp;
  recorded_at: Generated<Date>;
}

export interface ExperimentMetricsSummaryView {
  experiment_id: string;
  variant: string;
  assignments: string;
  outcomes: string;
  labelled: string;
  correct: string;
  accuracy: number | null;
  returns_n: string;
  total_return: number;
  mean_return: number | null;
  return_variance: number | null;
  signals: string;
  refreshed_at: Date;
}

export type ExperimentRow = Selectable<ExperimentTable>;
export type NewExperimentRow = Insertable<ExperimentTable>;
export type ExperimentUpdate = Updateable<ExperimentTable>;
export type ExperimentVariantRow = Selectable<ExperimentVariantTable>;
