import type { Db } from '../db/database';
import {
  loadDailyVersionCounts,
  upsertDailyPerformance,
  type DailyPerformanceValues,
} from '../db/repositories/model-performance.repository';
import { maxDrawdown, sharpeRatio } from '../stats';

/**
 * Upserts one day's model_performance_history row per version from its predictions and outcomes.
 * A prediction of "up" is output ≥ 0.5; its actual direction follows from whether it was correct,
 * which gives precision, recall and F1 without storing labels twice.
 */
export async function recordDailyPerformance(db: Db, modelId: string, day: Date): Promise<number> {
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  const end = new Date(start.getTime() + 86_400_000);
  const rows = await loadDailyVersionCounts(db, modelId, start, end);
  for (const r of rows) {
    const labelled = Number(r.labelled);
    const correct = Number(r.correct);
    const tp = Number(r.tp);
    const precision = tp + Number(r.fp) > 0 ? tp / (tp + Number(r.fp)) : null;
    const recall = tp + Number(r.fn) > 0 ? tp / (tp + Number(r.fn)) : null;
    const returns = r.returns ?? [];
    const values: DailyPerformanceValues = {
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
    await upsertDailyPerformance(db, {
      versionId: r.version_id,
      modelId,
      evaluationDate: start.toISOString().slice(0, 10),
      values,
    });
  }
  return rows.length;
}
