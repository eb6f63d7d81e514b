import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

// bigint (int8) columns come back as strings so ids never lose precision; double precision stays a number.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** @default 10 */
  maxConnections?: number;
  /** Label shown in pg_stat_activity. */
  applicationName?: string;
}

/** Opens a pooled connection to Postgres and wraps it in a typed kysely instance. */
export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'galfriday',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // discards the client and the next query reconnects.
  pool.on('error', () => undefined);
  // A client in the middle of a query when the server goes away emits 'error' on itself, not on the
  // pool; unhandled, that ends the process. The query's own promise still rejects and is handled.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
