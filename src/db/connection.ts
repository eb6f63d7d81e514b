import { TransientError } from '../errors';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
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
  /**
   * Deadline of every statement run through `db`: PostgreSQL's own `statement_timeout` (a live
   * but slow server cancels the statement and rolls it back), and, {@link CLIENT_DEADLINE_MARGIN_MS}
   * later, a client-side deadline for a server that does not answer at all (frozen, partitioned):
   * the connection is then destroyed and never returned to the pool. Also bounds connecting.
   * @default none (statements may run as long as they need: migrations, reports)
   */
  statementTimeoutMs?: number;
  /** Called with the operation name whenever a client-side deadline destroys a connection. */
  onDeadline?: (what: string) => void;
}

/**
 * How much later than PostgreSQL's `statement_timeout` the client gives up on a statement: a live
 * server cancels first (a clean rollback, the connection stays usable), and the client deadline
 * only ends what the server never answers.
 */
export const CLIENT_DEADLINE_MARGIN_MS = 500;

/**
 * Rejected when PostgreSQL did not answer within a deadline. `statementSent` tells whether a
 * statement had been handed to the server: when false, nothing the operation would have written
 * can be stored (the statement is never sent afterwards); when true, it may still commit.
 *
 * ### Examples
 * ```ts
 * import { recordOutcomes } from './repositories/routing-outcome.repository';
 * declare const db: Kysely<Database>;
 * declare const items: readonly import('./repositories/routing-outcome.repository').OutcomeInput[];
 * await withDeadline(1_000, () => recordOutcomes(db, items));
 * // rejects DatabaseDeadlineError 'PostgreSQL did not answer within 1000 ms' (statementSent: true)
 * ```
 */
export class DatabaseDeadlineError extends TransientError {
  override readonly name = 'DatabaseDeadlineError';
  /** A string code, like the driver's own errors: callers treat it as a connection problem. */
  readonly code = 'GALFRIDAY_DB_DEADLINE';
  constructor(
    message: string,
    readonly statementSent: boolean,
  ) {
    super(message);
  }
}

interface DeadlineScope {
  readonly deadline: number;
  readonly ms: number;
  statementSent: boolean;
  expired: boolean;
}

const scopes = new AsyncLocalStorage<DeadlineScope>();

/**
 * Runs `operation` with a deadline on everything it does through a `db` of {@link connectDatabase}:
 * waiting for a pooled connection, and every statement (each gets the time left, and a statement
 * not yet sent when the deadline passes is never sent). Rejects with {@link DatabaseDeadlineError}
 * at the deadline, whatever the operation is waiting for. Nested deadlines take the earlier one.
 *
 * ### Examples
 * ```ts
 * import { loadRoutingConfigRows } from './repositories/routing-config.repository';
 * declare const db: Kysely<Database>;
 * const rows = await withDeadline(5_000, () => loadRoutingConfigRows(db));
 * ```
 */
export function withDeadline<T>(ms: number, operation: () => Promise<T>): Promise<T> {
  const outer = scopes.getStore();
  const deadline = Math.min(Date.now() + ms, outer?.deadline ?? Infinity);
  const scope: DeadlineScope = { deadline, ms, statementSent: false, expired: false };
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        scope.expired = true;
        reject(new DatabaseDeadlineError(`PostgreSQL did not answer within ${ms} ms`, scope.statementSent));
      },
      Math.max(0, deadline - Date.now()),
    );
    scopes.run(scope, operation).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Destroys a client's socket: its statement in flight fails at once, and pg-pool removes it on
 * release instead of handing a connection in an unknown state to the next caller.
 *
 * ### Examples
 * ```ts
 * declare const client: pg.ClientBase;
 * destroyConnection(client); // the pending query rejects 'Connection terminated unexpectedly'
 * ```
 */
export function destroyConnection(client: pg.ClientBase): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

// What kysely sees as its pool: pg's, with a deadline on every statement. A statement that passes
// its deadline destroys its connection, so the pool can never hand out a connection still busy
// with a statement a frozen server will answer some day.
function deadlinePool(
  pool: pg.Pool,
  statementTimeoutMs: number | undefined,
  onDeadline: (what: string) => void,
): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let broken = false;
    const query = (text: unknown, parameters?: ReadonlyArray<unknown>): unknown => {
      if (typeof text !== 'string') return client.query(text as never);
      const scope = scopes.getStore();
      const statementMs =
        statementTimeoutMs === undefined ? Infinity : statementTimeoutMs + CLIENT_DEADLINE_MARGIN_MS;
      const left = Math.min(statementMs, scope === undefined ? Infinity : scope.deadline - Date.now());
      if (scope?.expired === true || left <= 0) {
        // Not sent, but the connection may be inside a transaction this refusal leaves open (a
        // BEGIN sent before the deadline): it must not be handed to anyone else.
        broken = true;
        return Promise.reject(
          new DatabaseDeadlineError(
            `PostgreSQL did not answer within ${scope?.ms ?? statementTimeoutMs} ms`,
            false,
          ),
        );
      }
      if (scope !== undefined) scope.statementSent = true;
      const running = client.query(text, parameters as unknown[]);
      if (!Number.isFinite(left)) return running;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          broken = true;
          onDeadline('statement');
          destroyConnection(client);
          reject(new DatabaseDeadlineError(`PostgreSQL did not answer within ${Math.round(left)} ms`, true));
        }, left);
        running.then(
          (result) => {
            clearTimeout(timer);
            resolve(result);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
    };
    return {
      query: query as PostgresPoolClient['query'],
      release(destroy?: boolean) {
        const discard = broken || destroy === true;
        broken = false;
        client.release(
          discard ? new Error('connection discarded after a failed or timed-out statement') : undefined,
        );
      },
    };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrapped.get(client);
      if (wrapper === undefined) {
        wrapper = wrap(client);
        wrapped.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/**
 * Opens a pooled connection to Postgres and wraps it in a typed kysely instance. Connections use
 * TCP keepalive (a peer that vanished is noticed even on an idle connection); with
 * `statementTimeoutMs`, every statement through `db` has a deadline (see {@link ConnectOptions}).
 */
export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const { statementTimeoutMs } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'galfriday',
    connectionTimeoutMillis: statementTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(statementTimeoutMs !== undefined ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // discards the client and the next query reconnects.
  pool.on('error', () => undefined);
  // A client in the middle of a query when the server goes away emits 'error' on itself, not on the
  // pool; unhandled, that ends the process. The query's own promise still rejects and is handled.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: deadlinePool(pool, statementTimeoutMs, options.onDeadline ?? (() => undefined)),
    }),
  });
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

/**
 * One trivial statement: whether PostgreSQL answers at all (readiness probes).
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * await withDeadline(2_000, () => pingDatabase(db)); // resolves, or rejects DatabaseDeadlineError
 * ```
 */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
