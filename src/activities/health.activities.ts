import { readDatabaseHealth } from '../db/repositories/database-health.repository';
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
      const row = await readDatabaseHealth(db);
      if (!row || row.schemaVersion === null) throw new Error('the database has no migrations applied');
      return {
        serverVersion: row.serverVersion,
        schemaVersion: row.schemaVersion,
        migrations: row.migrations,
      };
    },
  };
}
