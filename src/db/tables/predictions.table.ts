import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface PredictionTable {
  prediction_id: string;
  model_id: string;
  version_id: string;
  experiment_id: string | null;
  variant: string | null;
  unit_id: string;
  features: number[];
  output: number;
  is_shadow: ColumnType<boolean, boolean | undefined, never>;
  served_prediction_id: string | null;
  created_at: Generated<Date>;
}

export type PredictionRow = Selectable<PredictionTable>;
export type NewPredictionRow = Insertable<PredictionTable>;
