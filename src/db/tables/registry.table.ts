import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Timestamp } from './timestamp';

type Json<T = unknown> = ColumnType<T, string, string>;

export type PredictionTarget = 'prob_up' | 'prob_down' | 'price_change_pct';
export type ModelStage = 'development' | 'staging' | 'production' | 'archived';
export type ModelAlias = 'champion' | 'challenger' | 'shadow';

export interface ModelTable {
  model_id: Generated<string>;
  name: string;
  prediction_target: PredictionTarget;
  feature_schema: Json;
  symbol: string | null;
  timeframe: string | null;
  description: Generated<string>;
  gate_policy: ColumnType<unknown, string | undefined, string>;
  supervisor_policy: ColumnType<unknown, string | undefined, string>;
  next_version: Generated<number>;
  created_at: Generated<Date>;
}

export interface ModelVersionTable {
  version_id: Generated<string>;
  model_id: string;
  version: number;
  parent_version_id: string | null;
  stage: ColumnType<ModelStage, ModelStage | undefined, ModelStage>;
  trainer: string;
  hyperparameters: Json;
  metrics: Json;
  feature_schema: Json;
  training_window_start: Timestamp | null;
  training_window_end: Timestamp | null;
  onnx: Buffer;
  onnx_sha256: string;
  created_by: string;
  workflow_id: string | null;
  idempotency_key: string | null;
  created_at: Generated<Date>;
}

export interface ModelAliasTable {
  model_id: string;
  alias: ModelAlias;
  version_id: string;
  updated_at: Timestamp;
  updated_by: string;
}

export interface ModelAliasHistoryTable {
  history_id: Generated<string>;
  model_id: string;
  alias: ModelAlias;
  version_id: string | null;
  valid_from: Timestamp;
  valid_to: Timestamp | null;
  changed_by: string;
  reason: ColumnType<string, string | undefined, string>;
}

export interface FeatureDistributionSnapshotTable {
  snapshot_id: Generated<string>;
  version_id: string;
  feature_name: string;
  kind: ColumnType<'reference' | 'live', 'reference' | 'live' | undefined, never>;
  window_start: Timestamp | null;
  window_end: Timestamp | null;
  n: ColumnType<string, number | string, never>;
  mean: number | null;
  std_dev: number | null;
  min_value: number | null;
  max_value: number | null;
  bin_edges: number[] | null;
  bin_counts: ColumnType<string[] | null, number[] | null, never>;
  profile: Json;
  created_at: Generated<Date>;
}

export type ModelRow = Selectable<ModelTable>;
export type NewModelRow = Insertable<ModelTable>;
export type ModelVersionRow = Selectable<ModelVersionTable>;
export type NewModelVersionRow = Insertable<ModelVersionTable>;
export type ModelVersionUpdate = Updateable<ModelVersionTable>;
export type ModelAliasRow = Selectable<ModelAliasTable>;
export type ModelAliasHistoryRow = Selectable<ModelAliasHistoryTable>;
