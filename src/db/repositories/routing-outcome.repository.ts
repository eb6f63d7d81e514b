import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import { resolveAndInsertOutcomes } from './outcome-resolution';
import type { UnmatchedOutcomeReason } from '../tables/unmatched-outcomes.table';

/**
 * One reported outcome of a prediction (or of a /v1/route assignment).
 *
 * ### Examples
 * ```ts
 * const item: OutcomeInput = { predictionId: '0190…', correct: true, tradeReturn: 0.004, signalGenerated: true };
 * ```
 */
export interface OutcomeInput {
  predictionId: string;
  correct: boolean | null;
  tradeReturn: number | null;
  signalGenerated: boolean | null;
}

/**
 * What happened to one outcome: stored now, already stored before (a repeated report), or
 * unknown (no served prediction or assignment has that id: the outcome is kept in
 * `unmatched_outcomes`, and stored once a prediction with that id is logged).
 */
export type OutcomeStatus = 'recorded' | 'duplicate' | 'unknown';

/**
 * Stores a batch of outcomes in ONE statement and transaction: each id is resolved against the
 * served predictions (shadow scores are not reportable) or, failing that, against the assignments
 * of /v1/route, which give model, version, experiment and variant; then inserted with ON CONFLICT
 * (prediction_id) DO NOTHING, so a repeated report counts once. An outcome whose id resolves to
 * nothing is kept in `unmatched_outcomes` with `unmatchedReasons[i]` (default 'no_prediction'), in
 * the same statement, so an acknowledged outcome is never lost. Ids must be distinct within a
 * batch. Returns one status per input, in input order. When the promise resolves the rows are
 * committed.
 *
 * ### Examples
 * ```ts
 * declare const a: string;
 * declare const unknownId: string;
 * declare const db: Kysely<Database>;
 * await recordOutcomes(db, [{ predictionId: a, correct: true, tradeReturn: null, signalGenerated: null }, { predictionId: unknownId, correct: false, tradeReturn: null, signalGenerated: null }]);
 * // ['recorded', 'unknown']
 * ```
 */
export async function recordOutcomes(
  db: Kysely<Database>,
  items: readonly OutcomeInput[],
  unmatchedReasons?: readonly UnmatchedOutcomeReason[],
): Promise<OutcomeStatus[]> {
  if (items.length === 0) return [];
  const n = items.length;
  const reasons = unmatchedReasons ?? new Array<UnmatchedOutcomeReason>(n).fill('no_prediction');
  const ids = new Array<string>(n);
  const correct = new Array<boolean | null>(n);
  const returns = new Array<number | null>(n);
  const signals = new Array<boolean | null>(n);
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    ids[i] = item.predictionId;
    correct[i] = item.correct;
    returns[i] = item.tradeReturn;
    signals[i] = item.signalGenerated;
  }
  // Results are matched to the items by position, not by the id's text, which a client may spell
  // in upper case while PostgreSQL answers in lower case.
  const { rows } = await sql<{ item_index: string; inserted: boolean }>`
    WITH input AS (
      SELECT * FROM unnest(${ids}::uuid[], ${correct}::bool[], ${returns}::float8[], ${signals}::bool[], ${reasons}::text[])
             WITH ORDINALITY AS i(id, correct, trade_return, signal_generated, reason, item_index)
    ), ${resolveAndInsertOutcomes('input', ['item_index'])}, held AS (
      -- Acknowledged all the same: kept until a prediction with this id is logged (or an operator
      -- matches it). A repeated report of an unmatched outcome keeps the first.
      INSERT INTO unmatched_outcomes (prediction_id, correct, trade_return, signal_generated, reason)
      SELECT i.id, i.correct, i.trade_return, i.signal_generated, i.reason
      FROM input i
      WHERE NOT EXISTS (SELECT 1 FROM resolved r WHERE r.item_index = i.item_index)
      ON CONFLICT (prediction_id) DO NOTHING
    )
    SELECT r.item_index, (ins.prediction_id IS NOT NULL) AS inserted
    FROM resolved r LEFT JOIN inserted ins ON ins.prediction_id = r.id`.execute(db);
  const statuses = new Array<OutcomeStatus>(n).fill('unknown');
  for (const row of rows) statuses[Number(row.item_index) - 1] = row.inserted ? 'recorded' : 'duplicate';
  return statuses;
}

/**
 * Per-arm sufficient statistics of an experiment's outcomes recorded before `before`, for the
 * adaptive allocation strategies.
 *
 * ### Examples
 * ```ts
 * const arm: ArmStatisticsRow = { variant: 'control', labelled: 120, correct: 66, returnsN: 118, returnMean: 0.001, returnVariance: 0.0004 };
 * ```
 */
export interface ArmStatisticsRow {
  variant: string;
  labelled: number;
  correct: number;
  returnsN: number;
  returnMean: number | null;
  returnVariance: number | null;
}

/**
 * Aggregates an experiment's outcomes per variant, counting only those recorded before `before`:
 * every router computing at the same cut-off reads exactly the same rows and so derives the same
 * adaptive weights.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * declare const experimentId: string;
 * await armStatistics(db, experimentId, new Date('2026-01-01T10:15:00Z'));
 * // [{ variant: 'control', labelled: 120, correct: 66, … }, { variant: 'treatment', … }]
 * ```
 */
export async function armStatistics(
  db: Kysely<Database>,
  experimentId: string,
  before: Date,
): Promise<ArmStatisticsRow[]> {
  const rows = await db
    .selectFrom('experiment_outcomes')
    .select((eb) => [
      'variant',
      eb.fn.count<string>('correct').as('labelled'),
      sql<string>`count(*) FILTER (WHERE correct)`.as('correct'),
      eb.fn.count<string>('trade_return').as('returnsN'),
      eb.fn.avg<number | null>('trade_return').as('returnMean'),
      sql<number | null>`var_samp(trade_return)`.as('returnVariance'),
    ])
    .where('experiment_id', '=', experimentId)
    .where('recorded_at', '<', before)
    .groupBy('variant')
    .execute();
  return rows.map((r) => ({
    variant: r.variant ?? '',
    labelled: Number(r.labelled),
    correct: Number(r.correct),
    returnsN: Number(r.returnsN),
    returnMean: r.returnMean === null ? null : Number(r.returnMean),
    returnVariance: r.returnVariance === null ? null : Number(r.returnVariance),
  }));
}
