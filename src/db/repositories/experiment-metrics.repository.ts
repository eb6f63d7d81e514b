import { sql, type Kysely } from 'kysely';
import type { ArmAggregates } from '../../lifecycle/analyse-arms';
import type { Database } from '../database';

/**
 * Per-arm sums for one experiment, read straight from the tables (not the materialized view, which
 * may lag): routed units, labelled and correct outcomes, return sums, and — when asked, since it
 * orders every outcome — the drawdown of each arm's cumulative return.
 */
export async function loadArmAggregates(
  db: Kysely<Database>,
  experimentId: string,
  options: { drawdown?: boolean } = {},
): Promise<ArmAggregates[]> {
  const { rows } = await sql<{
    variant: string;
    is_control: boolean;
    weight: number;
    assignments: string;
    labelled: string;
    correct: string;
    returns_n: string;
    return_sum: number;
    return_sum_sq: number;
  }>`
    WITH routed AS (
      -- A unit routed by /v1/predict has a prediction row, one routed by /v1/route an assignment row;
      -- the union counts each routing decision once whichever tables it is in.
      -- UNION ALL with an anti-join instead of UNION: deduplicating 10^7 ids by sorting took 80 s in
      -- bench/experiment-analysis.bench.ts, this takes 2 s (an id in both tables is one decision, one variant).
      SELECT variant, count(*) AS n FROM (
        SELECT variant FROM experiment_assignments WHERE experiment_id = ${experimentId}
        UNION ALL
        SELECT p.variant FROM predictions p
        WHERE p.experiment_id = ${experimentId} AND NOT p.is_shadow
          AND NOT EXISTS (SELECT 1 FROM experiment_assignments a WHERE a.assignment_id = p.prediction_id)
      ) u GROUP BY variant
    ), outcomes AS (
      SELECT variant,
             count(correct) AS labelled,
             count(*) FILTER (WHERE correct) AS correct,
             count(trade_return) AS returns_n,
             coalesce(sum(trade_return), 0) AS return_sum,
             coalesce(sum(trade_return * trade_return), 0) AS return_sum_sq
      FROM experiment_outcomes WHERE experiment_id = ${experimentId} GROUP BY variant
    )
    SELECT v.variant, v.is_control, v.weight,
           coalesce(r.n, 0) AS assignments, coalesce(o.labelled, 0) AS labelled, coalesce(o.correct, 0) AS correct,
           coalesce(o.returns_n, 0) AS returns_n, coalesce(o.return_sum, 0) AS return_sum,
           coalesce(o.return_sum_sq, 0) AS return_sum_sq
    FROM experiment_variants v
    LEFT JOIN routed r USING (variant)
    LEFT JOIN outcomes o USING (variant)
    WHERE v.experiment_id = ${experimentId}
    ORDER BY v.is_control DESC, v.variant`.execute(db);

  const drawdowns = new Map<string, number>();
  if (options.drawdown) {
    const result = await sql<{ variant: string; drawdown: number | null }>`
      SELECT variant, max(peak - cum) AS drawdown FROM (
        SELECT variant, cum, max(cum) OVER (PARTITION BY variant ORDER BY prediction_at, prediction_id) AS peak FROM (
          SELECT variant, prediction_at, prediction_id,
                 sum(trade_return) OVER (PARTITION BY variant ORDER BY prediction_at, prediction_id) AS cum
          FROM experiment_outcomes WHERE experiment_id = ${experimentId} AND trade_return IS NOT NULL
        ) a
      ) b GROUP BY variant`.execute(db);
    for (const r of result.rows) drawdowns.set(r.variant, Math.max(0, r.drawdown ?? 0));
  }
  return rows.map((r) => ({
    variant: r.variant,
    isControl: r.is_control,
    weight: r.weight,
    assignments: Number(r.assignments),
    labelled: Number(r.labelled),
    correct: Number(r.correct),
    returnsN: Number(r.returns_n),
    returnSum: r.return_sum,
    returnSumSq: r.return_sum_sq,
    maxDrawdown: drawdowns.get(r.variant) ?? 0,
  }));
}
