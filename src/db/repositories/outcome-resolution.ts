import { sql, type RawBuilder } from 'kysely';

/**
 * The CTEs `resolved` and `inserted` that turn reported outcomes into experiment_outcomes rows:
 * each id of `source` (a CTE with columns id, correct, trade_return, signal_generated, plus the
 * `carried` columns) is resolved to the served prediction with that id, or else to the assignment
 * with that id; ids with neither are left out of `resolved`. `inserted` holds the ids stored now
 * (ON CONFLICT DO NOTHING: an outcome already stored stays). One definition for recordOutcomes and
 * for the later matching of unmatched outcomes, so both resolve an id the same way.
 */
export function resolveAndInsertOutcomes(
  source: string,
  carried: readonly string[] = [],
): RawBuilder<unknown> {
  const s = sql.table(source);
  const extra = sql.raw(carried.map((c) => `s.${c}, `).join(''));
  return sql`resolved AS (
      -- A served prediction wins over an assignment with the same id: /v1/predict logs both under
      -- one id, and when it fell back to the champion the prediction row says who really served it.
      SELECT s.id, ${extra}
             CASE WHEN p.prediction_id IS NOT NULL THEN p.model_id ELSE v.model_id END AS model_id,
             CASE WHEN p.prediction_id IS NOT NULL THEN p.version_id ELSE v.version_id END AS version_id,
             CASE WHEN p.prediction_id IS NOT NULL THEN p.experiment_id ELSE a.experiment_id END AS experiment_id,
             CASE WHEN p.prediction_id IS NOT NULL THEN p.variant ELSE a.variant END AS variant,
             CASE WHEN p.prediction_id IS NOT NULL THEN p.created_at ELSE a.assigned_at END AS prediction_at,
             s.correct, s.trade_return, s.signal_generated
      FROM ${s} s
      LEFT JOIN predictions p ON p.prediction_id = s.id AND NOT p.is_shadow
      LEFT JOIN experiment_assignments a ON a.assignment_id = s.id AND p.prediction_id IS NULL
      LEFT JOIN experiment_variants v ON v.experiment_id = a.experiment_id AND v.variant = a.variant
      WHERE p.prediction_id IS NOT NULL OR v.experiment_id IS NOT NULL
    ), inserted AS (
      INSERT INTO experiment_outcomes
        (prediction_id, model_id, version_id, experiment_id, variant, correct, trade_return, signal_generated, prediction_at)
      SELECT id, model_id, version_id, experiment_id, variant, correct, trade_return, signal_generated, prediction_at
      FROM resolved
      ON CONFLICT (prediction_id) DO NOTHING
      RETURNING prediction_id
    )`;
}
