import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

/** What the health check reads: the server's version and the newest applied migration. */
export interface DatabaseHealthRow {
  serverVersion: string;
  /** Null when no migration has been applied. */
  schemaVersion: number | null;
  migrations: number;
}

export async function readDatabaseHealth(db: Kysely<Database>): Promise<DatabaseHealthRow | undefined> {
  const { rows } = await sql<{ server_version: string; schema_version: number | null; migrations: string }>`
    SELECT current_setting('server_version') AS server_version,
           (SELECT max(version) FROM schema_migrations) AS schema_version,
           (SELECT count(*) FROM schema_migrations) AS migrations`.execute(db);
  const row = rows[0];
  return row
    ? {
        serverVersion: row.server_version,
        schemaVersion: row.schema_version,
        migrations: Number(row.migrations),
      }
    : undefined;
}
