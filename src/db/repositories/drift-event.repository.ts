import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../database';
import type { DriftDetectionEventTable } from '../tables/retraining.table';

/**
 * Writes one drift check's events unless events of `checkId` are already stored, and returns how
 * many rows it wrote (0 for a repeat). A retried activity derives the same check id, so its
 * retry cannot duplicate the events. The check and the insert run under a transaction-scoped
 * advisory lock on the id, so two concurrent attempts cannot both insert.
 */
export async function insertDriftEventsOnce(
  db: Kysely<Database>,
  checkId: string,
  rows: Insertable<DriftDetectionEventTable>[],
): Promise<number> {
  if (rows.some((r) => r.check_id !== checkId)) {
    throw new Error(`every drift event must carry check id ${checkId}`);
  }
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${checkId}))`.execute(tx);
    const existing = await tx
      .selectFrom('drift_detection_events')
      .select('event_id')
      .where('check_id', '=', checkId)
      .limit(1)
      .executeTakeFirst();
    if (existing !== undefined || rows.length === 0) return 0;
    await tx.insertInto('drift_detection_events').values(rows).execute();
    return rows.length;
  });
}

/** Stored events of one check (tests and reports). */
export async function countDriftEvents(db: Kysely<Database>, checkId: string): Promise<number> {
  const row = await db
    .selectFrom('drift_detection_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('check_id', '=', checkId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
