import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../database';
import type { DriftDetectionEventRow, DriftDetectionEventTable } from '../tables/retraining.table';

/**
 * Writes one drift check's events unless events of `checkId` are already stored, and returns how
 * many rows it wrote (0 for a repeat). A retried activity derives the same check id, so its
 * retry cannot duplicate the events. The check and the insert run under a transaction-scoped
 * advisory lock on the id, so two concurrent attempts cannot both insert.
 */
/** A drift event row as a check writes it. */
export type NewDriftEvent = Insertable<DriftDetectionEventTable>;

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

export interface SignificantDatasetDrift {
  name: string;
  check_id: string;
  statistic: number;
}

/** Significant dataset-level drift events of the named models detected since `since`, oldest first. */
export async function listSignificantDatasetDriftSince(
  db: Kysely<Database>,
  models: readonly string[],
  since: Date,
): Promise<SignificantDatasetDrift[]> {
  const drift = await sql<SignificantDatasetDrift>`
      SELECT m.name, d.check_id, d.statistic FROM drift_detection_events d JOIN models m USING (model_id)
      WHERE d.metric_name = 'dataset' AND d.is_significant AND d.detected_at >= ${since} AND m.name IN (${sql.join(models)})
      ORDER BY d.detected_at`.execute(db);
  return drift.rows;
}

/** One stored drift event with the version number it was measured against (null: no version). */
export type DriftEventWithVersion = Pick<
  DriftDetectionEventRow,
  | 'check_id'
  | 'detected_at'
  | 'drift_type'
  | 'metric_name'
  | 'method'
  | 'statistic'
  | 'p_value'
  | 'threshold'
  | 'is_significant'
  | 'sample_size'
> & { version: number | null };

/** A model's last `limit` (default 2 000) drift events detected since `since`, NEWEST first. */
export async function listRecentDriftEvents(
  db: Kysely<Database>,
  modelId: string,
  options: { since?: Date; limit?: number } = {},
): Promise<DriftEventWithVersion[]> {
  let query = db
    .selectFrom('drift_detection_events as e')
    .leftJoin('model_versions as v', 'v.version_id', 'e.version_id')
    .select([
      'e.check_id',
      'e.detected_at',
      'e.drift_type',
      'e.metric_name',
      'e.method',
      'e.statistic',
      'e.p_value',
      'e.threshold',
      'e.is_significant',
      'e.sample_size',
      'v.version',
    ])
    .where('e.model_id', '=', modelId);
  if (options.since) query = query.where('e.detected_at', '>=', options.since);
  return query
    .orderBy('e.detected_at', 'desc')
    .orderBy('e.event_id', 'desc')
    .limit(options.limit ?? 2_000)
    .execute();
}

/** The latest dataset-level drift verdict of each model that has one. */
export async function latestDatasetDriftPerModel(
  db: Kysely<Database>,
): Promise<Array<{ model_id: string; is_significant: boolean; statistic: number; detected_at: Date }>> {
  const { rows } = await sql<{
    model_id: string;
    is_significant: boolean;
    statistic: number;
    detected_at: Date;
  }>`
    SELECT DISTINCT ON (model_id) model_id, is_significant, statistic, detected_at
    FROM drift_detection_events WHERE metric_name = 'dataset'
    ORDER BY model_id, detected_at DESC, event_id DESC`.execute(db);
  return rows;
}
