import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database';
import { maxDrawdown, sharpeRatio } from '../stats';

/**
 * Upserts one day's model_performance_history row per version from its predictions and outcomes.
 * A prediction of "up" is output ≥ 0.5; its actual direction follows from whether it was correct,
 * which gives precision, recall and F1 without storing labels twice.
 */
export async function recordDailyPerformance(
  db: Kysely<Database>,
  modelId: string,
  day: Date,
): Promise<number> {
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  const end = new Date(start.getTime() + 86_400_000);
  const { rows } = await sql<{
    version_id: string;
    predictions: string;
    labelled: string;
    correct: string;
    tp: string;
    fp: string;
    fn: string;
    signals: string;
    profitable: string;
    returns: number[] | null;
  }>`
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
  for (const r of rows) {
    const labelled = Number(r.labelled);
    const correct = Number(r.correct);
    const tp = Number(r.tp);
    const precision = tp + Number(r.fp) > 0 ? tp / (tp + Number(r.fp)) : null;
    const recall = tp + Number(r.fn) > 0 ? tp / (tp + Number(r.fn)) : null;
    const returns = r.returns ?? [];
    const values = {
      predictions_made: Number(r.predictions),
      outcomes_labelled: labelled,
      correct_predictions: correct,
      signals_generated: Number(r.signals),
      profitable_signals: Number(r.profitable),
      accuracy: labelled > 0 ? correct / labelled : null,
      precision,
      recall,
      f1_score:
        precision !== null && recall !== null && precision + recall > 0
          ? (2 * precision * recall) / (precision + recall)
          : null,
      total_return: returns.length ? returns.reduce((s, x) => s + x, 0) : null,
      sharpe_ratio: returns.length > 2 && new Set(returns).size > 1 ? sharpeRatio(returns) : null,
      max_drawdown: returns.length ? maxDrawdown(returns) : null,
    };
    await db
      .insertInto('model_performance_history')
      .values({
        version_id: r.version_id,
        model_id: modelId,
        evaluation_date: start.toISOString().slice(0, 10),
        ...values,
      })
      .onConflict((oc) =>
        oc
          .columns(['version_id', 'evaluation_date'])
          .doUpdateSet({ ...values, updated_at: sql<Date>`now()` as never }),
      )
      .execute();
  }
  return rows.length;
}
