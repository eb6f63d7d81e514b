import { sql } from 'kysely';
import type { ActivityDeps } from './activity-deps';

export interface DatabaseHealth {
  serverVersion: string;
  schemaVersion: number;
  migrations: number;
}

/** Activities that prove the worker can reach its dependencies. */
export function createHealthActivities({ db }: ActivityDeps) {
  return {
    /** Queries Postgres for its version and the newest applied migration. */
    async checkDatabase(): Promise<DatabaseHealth> {
      const { rows } = await sql<{
        server_version: string;
        schema_version: number | null;
        migrations: string;
      }>`
        SELECT current_setting('server_version') AS server_version,
               (SELECT max(version) FROM schema_migrations) AS schema_version,
               (SELECT count(*) FROM schema_migrations) AS migrations`.execute(db);
      const row = rows[0];
      if (!row || row.schema_version === null) throw new Error('the database has no migrations applied');
      return {
        serverVersion: row.server_version,
        schemaVersion: row.schema_version,
        migrations: Number(row.migrations),
      };
    },
  };
}
