import { sql, type Kysely } from 'kysely';
import type { ArmAggregates, PeriodAggregates } from '../../lifecycle/analyse-arms';
import type { UnitSums } from '../../stats/sequential';
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
  const units = await loadUnitStatistics(db, experimentId);
  return rows.map((r) => ({
    ...(units.get(r.variant) ?? {}),
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

/** Sum-of-units shape returned by SQL (numeric sums arrive as strings or numbers). */
function unitSumsOf(r: Record<string, unknown>, prefix: 'acc' | 'ret'): UnitSums {
  const n = (k: string) => Number(r[`${prefix}_${k}`] ?? 0);
  return { units: n('units'), sumY: n('y'), sumN: n('n'), sumYY: n('yy'), sumNN: n('nn'), sumYN: n('yn') };
}

/**
 * Per arm: distinct units by their first assignment (what a sticky strategy randomises, so what SRM
 * counts), and per-unit sums (Σ Yᵢ, Σ Nᵢ, Σ Yᵢ², Σ Nᵢ², Σ YᵢNᵢ) of correct / labelled outcomes and of
 * return / outcomes with a return, for the delta method. One pass over each table; the per-unit rows
 * never leave the database.
 */
export async function loadUnitStatistics(
  db: Kysely<Database>,
  experimentId: string,
): Promise<Map<string, Pick<ArmAggregates, 'units' | 'accuracyUnits' | 'returnUnits'>>> {
  const firsts = await sql<{ variant: string; units: string }>`
    SELECT variant, count(*) AS units FROM (
      SELECT DISTINCT ON (unit_id) unit_id, variant FROM (
        SELECT unit_id, variant, assigned_at AS at, assignment_id AS id
        FROM experiment_assignments WHERE experiment_id = ${experimentId}
        UNION ALL
        SELECT unit_id, variant, created_at AS at, prediction_id AS id
        FROM predictions WHERE experiment_id = ${experimentId} AND NOT is_shadow
      ) d ORDER BY unit_id, at, id
    ) f GROUP BY variant`.execute(db);
  const perUnit = await sql<Record<string, unknown> & { variant: string }>`
    WITH o AS (
      SELECT o.variant, coalesce(p.unit_id, a.unit_id) AS unit_id, o.correct, o.trade_return
      FROM experiment_outcomes o
      LEFT JOIN predictions p ON p.prediction_id = o.prediction_id AND NOT p.is_shadow
      LEFT JOIN experiment_assignments a ON a.assignment_id = o.prediction_id AND p.prediction_id IS NULL
      WHERE o.experiment_id = ${experimentId}
    ), u AS (
      SELECT variant, unit_id,
             count(*) FILTER (WHERE correct) AS acc_y, count(correct) AS acc_n,
             coalesce(sum(trade_return), 0) AS ret_y, count(trade_return) AS ret_n
      FROM o WHERE unit_id IS NOT NULL GROUP BY variant, unit_id
    )
    SELECT variant,
           count(*) FILTER (WHERE acc_n > 0) AS acc_units, sum(acc_y) AS acc_y, sum(acc_n) AS acc_n,
           sum(acc_y * acc_y) AS acc_yy, sum(acc_n * acc_n) AS acc_nn, sum(acc_y * acc_n) AS acc_yn,
           count(*) FILTER (WHERE ret_n > 0) AS ret_units, sum(ret_y) AS ret_y, sum(ret_n) AS ret_n,
           sum(ret_y * ret_y) AS ret_yy, sum(ret_n * ret_n) AS ret_nn, sum(ret_y * ret_n) AS ret_yn
    FROM u GROUP BY variant`.execute(db);
  const result = new Map<string, Pick<ArmAggregates, 'units' | 'accuracyUnits' | 'returnUnits'>>();
  for (const r of firsts.rows) result.set(r.variant, { units: Number(r.units) });
  for (const r of perUnit.rows) {
    result.set(r.variant, {
      units: result.get(r.variant)?.units ?? 0,
      accuracyUnits: unitSumsOf(r, 'acc'),
      returnUnits: unitSumsOf(r, 'ret'),
    });
  }
  return result;
}

/**
 * Per-period (bar) sums of each arm, in time order: routing decisions and outcomes bucketed by
 * ⌊epoch ms / periodMs⌋ of the prediction time. For adaptive strategies, `servedWeight` is the weight
 * the router logged for the allocation epoch that served the whole period (experiment_served_weights,
 * written by the router's AdaptiveReweighter); a period spanning a weight change is left unset.
 */
export async function loadPeriodAggregates(
  db: Kysely<Database>,
  experimentId: string,
  periodMs: number,
): Promise<PeriodAggregates[]> {
  const { rows } = await sql<{
    period: string;
    variant: string;
    decisions: string;
    labelled: string;
    correct: string;
    returns_n: string;
    return_sum: number;
  }>`
    WITH d AS (
      SELECT floor(extract(epoch FROM at) * 1000 / ${periodMs})::bigint AS period, variant, count(*) AS decisions
      FROM (
        SELECT variant, assigned_at AS at FROM experiment_assignments WHERE experiment_id = ${experimentId}
        UNION ALL
        SELECT p.variant, p.created_at FROM predictions p
        WHERE p.experiment_id = ${experimentId} AND NOT p.is_shadow
          AND NOT EXISTS (SELECT 1 FROM experiment_assignments a WHERE a.assignment_id = p.prediction_id)
      ) x GROUP BY 1, 2
    ), o AS (
      SELECT floor(extract(epoch FROM prediction_at) * 1000 / ${periodMs})::bigint AS period, variant,
             count(correct) AS labelled, count(*) FILTER (WHERE correct) AS correct,
             count(trade_return) AS returns_n, coalesce(sum(trade_return), 0) AS return_sum
      FROM experiment_outcomes WHERE experiment_id = ${experimentId} GROUP BY 1, 2
    )
    SELECT coalesce(d.period, o.period) AS period, coalesce(d.variant, o.variant) AS variant,
           coalesce(d.decisions, 0) AS decisions, coalesce(o.labelled, 0) AS labelled,
           coalesce(o.correct, 0) AS correct, coalesce(o.returns_n, 0) AS returns_n,
           coalesce(o.return_sum, 0) AS return_sum
    FROM d FULL JOIN o ON o.period = d.period AND o.variant = d.variant
    ORDER BY 1, 2`.execute(db);
  const periods: PeriodAggregates[] = [];
  for (const r of rows) {
    const start = Number(r.period) * periodMs;
    let last = periods[periods.length - 1];
    if (!last || last.start !== start) {
      last = { start, arms: {} };
      periods.push(last);
    }
    last.arms[r.variant] = {
      decisions: Number(r.decisions),
      labelled: Number(r.labelled),
      correct: Number(r.correct),
      returnsN: Number(r.returns_n),
      returnSum: Number(r.return_sum),
    };
  }
  await attachServedWeights(db, experimentId, periodMs, periods);
  return periods;
}

/** One logged allocation epoch of an adaptive experiment, with the interval its weights were served. */
interface ServedEpoch {
  start: number;
  end: number;
  /** From the first router's apply time to the next epoch's (the old weights serve until then). */
  servedFrom: number;
  servedUntil: number;
  weights: Map<string, number>;
}

// A period gets `servedWeight` only when one set of logged weights was served over all of it: a
// period with a weight change inside it, or a part whose weights were not logged (configured weights
// before the first epoch, a router down), is left unset and the per-epoch SRM skips it.
async function attachServedWeights(
  db: Kysely<Database>,
  experimentId: string,
  periodMs: number,
  periods: PeriodAggregates[],
): Promise<void> {
  if (periods.length === 0) return;
  const { rows } = await sql<{
    epoch_start: Date;
    epoch_end: Date;
    applied_at: Date;
    variant: string;
    weight: number;
  }>`
    SELECT epoch_start, epoch_end, applied_at, variant, weight FROM experiment_served_weights
    WHERE experiment_id = ${experimentId} ORDER BY epoch_start, variant`.execute(db);
  if (rows.length === 0) return;
  const epochs: ServedEpoch[] = [];
  for (const r of rows) {
    const start = new Date(r.epoch_start).getTime();
    let last = epochs[epochs.length - 1];
    if (!last || last.start !== start) {
      const applied = Math.max(start, new Date(r.applied_at).getTime());
      last = {
        start,
        end: new Date(r.epoch_end).getTime(),
        servedFrom: applied,
        servedUntil: 0,
        weights: new Map(),
      };
      epochs.push(last);
    }
    last.weights.set(r.variant, Number(r.weight));
  }
  for (let i = 0; i < epochs.length; i++) {
    const next = epochs[i + 1];
    epochs[i]!.servedUntil =
      next !== undefined && next.start === epochs[i]!.end ? next.servedFrom : epochs[i]!.end;
  }
  let first = 0;
  for (const period of periods) {
    const from = period.start;
    const until = period.start + periodMs;
    while (first < epochs.length && epochs[first]!.servedUntil <= from) first++;
    let covered = from;
    let weights: Map<string, number> | null = null;
    let consistent = true;
    for (let i = first; i < epochs.length && epochs[i]!.servedFrom < until && consistent; i++) {
      const e = epochs[i]!;
      if (e.servedFrom > covered) consistent = false;
      else if (weights === null) weights = e.weights;
      else consistent = sameWeights(weights, e.weights);
      covered = Math.max(covered, e.servedUntil);
    }
    if (!consistent || weights === null || covered < until) continue;
    for (const [variant, weight] of weights) {
      const arm = (period.arms[variant] ??= {
        decisions: 0,
        labelled: 0,
        correct: 0,
        returnsN: 0,
        returnSum: 0,
      });
      arm.servedWeight = weight;
    }
  }
}

function sameWeights(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, w] of a) if (!(Math.abs(w - (b.get(k) ?? NaN)) < 1e-9)) return false;
  return true;
}

/** One bar scored by both versions: the served prediction, its shadow twin and the outcome. */
export interface PairedBarRow {
  at: number;
  /** 0/1 label recovered from the served prediction and its `correct` outcome (threshold ½). */
  label: number | null;
  champion: number;
  challenger: number;
  /** The bar's market return, recovered as trade_return·sign(p_served − ½); null when flat or unknown. */
  marketReturn: number | null;
}

/**
 * Bars on which the challenger and the control were both scored: each served prediction of the
 * experiment joined to its shadow prediction (same request, `served_prediction_id`) and to the served
 * one's outcome, in time order. `challengerVariant` names the non-control arm; the label is derived
 * as `correct` ⇔ (p_served ≥ ½) = label, since outcomes record correctness, not the label itself.
 */
export async function loadPairedBars(
  db: Kysely<Database>,
  experimentId: string,
  challengerVariant: string,
  options: { after?: Date } = {},
): Promise<PairedBarRow[]> {
  const { rows } = await sql<{
    at: Date;
    served_variant: string;
    served_output: number;
    shadow_output: number;
    correct: boolean | null;
    trade_return: number | null;
  }>`
    SELECT s.created_at AS at, s.variant AS served_variant, s.output AS served_output,
           sh.output AS shadow_output, o.correct, o.trade_return
    FROM predictions sh
    JOIN predictions s ON s.prediction_id = sh.served_prediction_id
    -- Only the other arm's version is the twin: a \`shadow\` alias on a third version is not.
    JOIN experiment_variants ov ON ov.experiment_id = s.experiment_id AND ov.variant <> s.variant
                               AND ov.version_id = sh.version_id
    JOIN experiment_outcomes o ON o.prediction_id = s.prediction_id
    WHERE sh.is_shadow AND s.experiment_id = ${experimentId}
      AND (o.correct IS NOT NULL OR o.trade_return IS NOT NULL)
      ${options.after ? sql`AND s.created_at > ${options.after}` : sql``}
    ORDER BY s.created_at, s.prediction_id`.execute(db);
  return rows.map((r) => {
    const servedIsChallenger = r.served_variant === challengerVariant;
    const up = r.served_output >= 0.5;
    const side = Math.sign(r.served_output - 0.5);
    return {
      at: new Date(r.at).getTime(),
      label: r.correct === null ? null : r.correct === up ? 1 : 0,
      champion: servedIsChallenger ? r.shadow_output : r.served_output,
      challenger: servedIsChallenger ? r.served_output : r.shadow_output,
      marketReturn: r.trade_return === null || side === 0 ? null : r.trade_return * side,
    };
  });
}

/** Equal time slices over an experiment: slice i covers [start + i·width, start + (i+1)·width) in ms. */
export interface TimeBuckets {
  start: number;
  width: number;
  buckets: number;
}

/** An arm's outcome counts and return sums of one time slice (counts arrive as bigint strings). */
export interface BucketedOutcomeCounts {
  variant: string;
  bucket: number;
  labelled: string;
  correct: string;
  returns_n: string;
  return_sum: number;
  return_sum_sq: number;
}

/** An arm's routed units of one time slice (count as a bigint string). */
export interface BucketedRoutedCount {
  variant: string;
  bucket: number;
  n: string;
}

/** The slice of a timestamp column; rows before the start fall in the first slice, after the end in the last. */
function bucketOf(column: string, b: TimeBuckets) {
  return sql<number>`least(greatest(floor((extract(epoch from ${sql.ref(column)}) * 1000 - ${b.start}) / ${b.width}), 0), ${b.buckets - 1})::int`;
}

/** Per arm and time slice (by `recorded_at`): labelled and correct outcomes and return sums. */
export async function loadOutcomeCountsByBucket(
  db: Kysely<Database>,
  experimentId: string,
  b: TimeBuckets,
): Promise<BucketedOutcomeCounts[]> {
  const outcomes = await sql<BucketedOutcomeCounts>`
    SELECT variant, ${bucketOf('recorded_at', b)} AS bucket,
           count(correct) AS labelled, count(*) FILTER (WHERE correct) AS correct,
           count(trade_return) AS returns_n, coalesce(sum(trade_return), 0) AS return_sum,
           coalesce(sum(trade_return * trade_return), 0) AS return_sum_sq
    FROM experiment_outcomes WHERE experiment_id = ${experimentId}
    GROUP BY 1, 2`.execute(db);
  return outcomes.rows;
}

/** Per arm and time slice (by assignment / prediction time): routed units. */
export async function loadRoutedCountsByBucket(
  db: Kysely<Database>,
  experimentId: string,
  b: TimeBuckets,
): Promise<BucketedRoutedCount[]> {
  const routed = await sql<BucketedRoutedCount>`
    SELECT variant, ${bucketOf('at', b)} AS bucket, count(*) AS n FROM (
      -- One routing decision may be in both tables under one id (as loadArmAggregates counts it).
      SELECT id, variant, min(at) AS at FROM (
        SELECT assignment_id AS id, variant, assigned_at AS at FROM experiment_assignments WHERE experiment_id = ${experimentId}
        UNION ALL
        SELECT prediction_id, variant, created_at FROM predictions WHERE experiment_id = ${experimentId} AND NOT is_shadow
      ) u GROUP BY id, variant
    ) d GROUP BY 1, 2`.execute(db);
  return routed.rows;
}
