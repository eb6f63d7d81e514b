import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import { resolveAndInsertOutcomes } from './outcome-resolution';

/**
 * What one matching pass did: outcomes stored in experiment_outcomes now, and outcomes whose
 * prediction had an outcome stored already (the engine also reported it once it was known).
 *
 * ### Examples
 * ```ts
 * const result: MatchedOutcomes = { matched: 3, duplicates: 0 };
 * ```
 */
export interface MatchedOutcomes {
  matched: number;
  duplicates: number;
}

/**
 * Matches open unmatched outcomes (received within `withinHours`, newest first, at most `limit`)
 * against predictions and assignments logged since, exactly as recordOutcomes resolves ids, stores
 * the matches in experiment_outcomes (ON CONFLICT DO NOTHING) and stamps them matched, in one
 * statement. Rows another router is matching at the same time are skipped (SKIP LOCKED).
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await matchUnmatchedOutcomes(db); // { matched: 1, duplicates: 0 }
 * ```
 */
export async function matchUnmatchedOutcomes(
  db: Kysely<Database>,
  options: { limit?: number; withinHours?: number } = {},
): Promise<MatchedOutcomes> {
  const limit = options.limit ?? 5_000;
  const withinHours = options.withinHours ?? 24;
  const { rows } = await sql<{ duplicate: boolean }>`
    WITH open AS (
      SELECT u.prediction_id AS id, u.correct, u.trade_return, u.signal_generated
      FROM unmatched_outcomes u
      WHERE u.matched_at IS NULL AND u.received_at > now() - make_interval(hours => ${withinHours}::int)
      ORDER BY u.received_at DESC
      LIMIT ${limit}::int
      FOR UPDATE SKIP LOCKED
    ), ${resolveAndInsertOutcomes('open')}
    UPDATE unmatched_outcomes u
    SET matched_at = now(), matched_as_duplicate = (ins.prediction_id IS NULL)
    FROM resolved r LEFT JOIN inserted ins ON ins.prediction_id = r.id
    WHERE u.prediction_id = r.id
    RETURNING u.matched_as_duplicate AS duplicate`.execute(db);
  const duplicates = rows.filter((r) => r.duplicate).length;
  return { matched: rows.length - duplicates, duplicates };
}

/**
 * Open unmatched outcomes, oldest first (operators, tests).
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await openUnmatchedOutcomes(db); // [{ prediction_id: '0190…', reason: 'prediction_dropped', … }]
 * ```
 */
export async function openUnmatchedOutcomes(db: Kysely<Database>, limit = 1_000) {
  return db
    .selectFrom('unmatched_outcomes')
    .selectAll()
    .where('matched_at', 'is', null)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}
