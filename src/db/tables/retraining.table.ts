import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { RequiredTimestamp, Timestamp } from './timestamp';

type Json<T = unknown> = ColumnType<T, string | null | undefined, string | null>;

export type RetrainingTrigger = 'scheduled' | 'drift' | 'performance' | 'manual';
export type RetrainingStatus = 'pending' | 'running' | 'completed' | 'rejected' | 'failed' | 'cancelled';
export type DriftType = 'data_drift' | 'prediction_drift' | 'performance_drift' | 'concept_drift';

export interface RetrainingJobTable {
  job_id: Generated<string>;
  model_id: string;
  job_number: number;
  trigger: RetrainingTrigger;
  reason: ColumnType<string, string | undefined, string>;
  requested_by: ColumnType<string, string | undefined, string>;
  status: ColumnType<RetrainingStatus, RetrainingStatus | undefined, RetrainingStatus>;
  workflow_id: string | null;
  base_version_id: string | null;
  new_version_id: string | null;
  experiment_id: string | null;
  data_window_start: Timestamp | null;
  data_window_end: Timestamp | null;
  drift_metrics: Json;
  performance_comparison: Json;
  error_message: string | null;
  created_at: Generated<Date>;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  updated_at: Generated<Date>;
}

export interface DriftDetectionEventTable {
  event_id: Generated<string>;
  model_id: string;
  version_id: string | null;
  drift_type: DriftType;
  metric_name: string;
  method: string;
  statistic: number;
  p_value: number | null;
  threshold: number;
  is_significant: boolean;
  sample_size: number;
  window_start: Timestamp | null;
  window_end: Timestamp | null;
  check_id: string;
  details: ColumnType<unknown, string | undefined, never>;
  detected_at: Generated<Date>;
}

export interface ModelPerformanceHistoryTable {
  version_id: string;
  model_id: string;
  evaluation_date: ColumnType<Date, string, string>;
  predictions_made: ColumnType<string, number, number>;
  outcomes_labelled: ColumnType<string, number, number>;
  correct_predictions: ColumnType<string, number, number>;
  signals_generated: ColumnType<string, number, number>;
  profitable_signals: ColumnType<string, number, number>;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1_score: number | null;
  total_return: number | null;
  sharpe_ratio: number | null;
  max_drawdown: number | null;
  updated_at: Generated<Date>;
}

export type RetrainingJobRow = Selectable<RetrainingJobTable>;
export type NewRetrainingJobRow = Insertable<RetrainingJobTable>;
export type RetrainingJobUpdate = Updateable<RetrainingJobTable>;
export type DriftDetectionEventRow = Selectable<DriftDetectionEventTable>;

export interface TrainingRunTable {
  job_id: string;
  kind: 'logistic-regression' | 'gbdt-classifier' | 'gbdt-regressor';
  params: ColumnType<unknown, string, string>;
  onnx: Buffer;
  feature_schema: ColumnType<unknown, string, string>;
  iterations: number;
  resumed_from: number | null;
  evaluation: ColumnType<unknown, string | null | undefined, string | null>;
  gate: ColumnType<unknown, string | null | undefined, string | null>;
  /** The trainCandidate attempt that wrote the row (migration 014); null for older rows. */
  attempt: ColumnType<number | null, number | null | undefined, number | null>;
  /** When Temporal scheduled that attempt: the fencing token of the write (migration 014). */
  attempt_scheduled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: Timestamp;
}

export interface TrainingDatasetTable {
  job_id: string;
  target: 'prob_up' | 'price_change_pct';
  bars: number;
  window_start: RequiredTimestamp;
  window_end: RequiredTimestamp;
  train_rows: number;
  holdout_rows: number;
  payload: Buffer;
  created_at: Generated<Date>;
}
