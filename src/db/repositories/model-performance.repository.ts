import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../database';
import type { ModelPerformanceHistoryTable } from '../tables/retraining.table';

/** One version's raw counts over a day of live (non-shadow) predictions; counts arrive as bigint strings. */
export interface DailyVersionCounts {
  version_id: string;
  predictions: string;
  labelled: string;
  correct: string;
  tp: string;
  fp: string;
  fn: string;
  signals: string;
  profitable: string;
  /** Trade returns in prediction order, or null when none is labelled. */
  returns: number[] | null;
}

/**
 * Per-version counts of a model's live predictions created in [start, end) joined to their outcomes.
 * A prediction of "up" is output ≥ 0.5; its actual direction follows from whether it was correct.
 */
export async function loadDailyVersionCounts(
  db: Kysely<Database>,
  modelId: string,
  start: Date,
  end: Date,
): Promise<DailyVersionCounts[]> {
  const { rows } = await sql<DailyVersionCounts>`
    SELECT p.version_id,
           count(*) AS predictions,
           count(o.correct) AS labelled,
           count(*) FILTER (WHERE o.correct) AS correct,
           count(*) FILTER (WHERE p.output >= 0.5 AND o.correct) AS tp,
           count(*) FILTER (WHERE p.output >= 0.5 AND o.correct = false) AS fp,
           count(*) FILTER (WHERE p.output < 0.5 AND o.correct = false) AS fn,
           count(*) FILTER (WHERE o.signal_generated) AS signals,
           count(*) FILTER (WHERE o.signal_generated AND o.trade_return > 0) AS profitable,
           array_agg(o.trade_return ORDER BY p.created_at) FILTER (WHERE o.trade_return IS NOT NULL) AS returns
    FROM predictions p LEFT JOIN experiment_outcomes o ON o.prediction_id = p.prediction_id
    WHERE p.model_id = ${modelId} AND NOT p.is_shadow AND p.created_at >= ${start} AND p.created_at < ${end}
    GROUP BY p.version_id`.execute(db);
  return rows;
}

/** The measured figures of one version's day in model_performance_history. */
export interface DailyPerformanceValues {
  predictions_made: number;
  outcomes_labelled: number;
  correct_predictions: number;
  signals_generated: number;
  profitable_signals: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1_score: number | null;
  total_return: number | null;
  sharpe_ratio: number | null;
  max_drawdown: number | null;
}

/** Writes (or overwrites, so a re-run of the same day converges) one version's row for one day. */
export async function upsertDailyPerformance(
  db: Kysely<Database>,
  row: { versionId: string; modelId: string; evaluationDate: string; values: DailyPerformanceValues },
): Promise<void> {
  const { values } = row;
  await db
    .insertInto('model_performance_history')
    .values({
      version_id: row.versionId,
      model_id: row.modelId,
      evaluation_date: row.evaluationDate,
      ...values,
    })
    .onConflict((oc) =>
      oc.columns(['version_id', 'evaluation_date']).doUpdateSet({ ...values, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

/** One day of one version in model_performance_history, as the model page charts it. */
export type DailyPerformancePoint = Pick<
  Selectable<ModelPerformanceHistoryTable>,
  | 'evaluation_date'
  | 'predictions_made'
  | 'outcomes_labelled'
  | 'accuracy'
  | 'f1_score'
  | 'total_return'
  | 'sharpe_ratio'
  | 'max_drawdown'
> & { version: number };

/** A model's newest `limit` daily performance rows (every version), newest day first. */
export async function listRecentDailyPerformance(
  db: Kysely<Database>,
  modelId: string,
  limit: number,
): Promise<DailyPerformancePoint[]> {
  return db
    .selectFrom('model_performance_history as p')
    .innerJoin('model_versions as v', 'v.version_id', 'p.version_id')
    .select([
      'p.evaluation_date',
      'v.version',
      'p.predictions_made',
      'p.outcomes_labelled',
      'p.accuracy',
      'p.f1_score',
      'p.total_return',
      'p.sharpe_ratio',
      'p.max_drawdown',
    ])
    .where('p.model_id', '=', modelId)
    .orderBy('p.evaluation_date', 'desc')
    .limit(limit)
    .execute();
}
