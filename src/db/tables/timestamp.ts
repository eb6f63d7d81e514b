import type { ColumnType } from 'kysely';

/**
 * A `timestamptz` column: read as a Date; written as a Date, an ISO string or an SQL expression
 * (``sql<Date>`now()` `` is an Expression<Date>, so it needs no cast); optional on insert, where the
 * column has a default.
 *
 * ### Examples
 * ```ts
 * import { Kysely, sql } from 'kysely';
 * declare const db: Kysely<{ jobs: { updated_at: Timestamp; ended_at: Timestamp | null } }>;
 * db.updateTable('jobs').set({ updated_at: sql<Date>`now()` });
 * ```
 */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/**
 * A `timestamptz` column without a default: required on insert.
 *
 * ### Examples
 * ```ts
 * interface BarsTable { ts: RequiredTimestamp }
 * ```
 */
export type RequiredTimestamp = ColumnType<Date, Date | string, Date | string>;
