import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

/**
 * The session epoch of an operator name: dashboard cookies issued with an older epoch are refused.
 * 0 when the operator never logged out.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await sessionEpochOf(db, 'Ada Lovelace'); // 0
 * ```
 */
export async function sessionEpochOf(db: Kysely<Database>, operator: string): Promise<number> {
  const row = await db
    .selectFrom('dashboard_session_epochs')
    .select('epoch')
    .where('operator', '=', operator)
    .executeTakeFirst();
  return row === undefined ? 0 : Number(row.epoch);
}

/**
 * Ends every dashboard session of an operator name, in every dashboard process at once: bumps its
 * epoch and resolves the new one (the epoch of sessions issued from now on).
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await endOperatorSessions(db, 'Ada Lovelace'); // 1
 * await endOperatorSessions(db, 'Ada Lovelace'); // 2
 * ```
 */
export async function endOperatorSessions(db: Kysely<Database>, operator: string): Promise<number> {
  const row = await db
    .insertInto('dashboard_session_epochs')
    .values({ operator, epoch: 1 })
    .onConflict((oc) =>
      oc.column('operator').doUpdateSet({
        epoch: sql`dashboard_session_epochs.epoch + 1`,
        updated_at: sql`now()`,
      }),
    )
    .returning('epoch')
    .executeTakeFirstOrThrow();
  return Number(row.epoch);
}
