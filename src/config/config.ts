import { ConfigurationError } from '../errors';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../util/duration';

/** Thrown when an environment variable holds a value the system cannot use. */
export class ConfigError extends ConfigurationError {
  override readonly name = 'ConfigError';
  readonly failureType = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly received: string | undefined,
  ) {
    super(
      `${variable}: expected ${expected}, got ${received === undefined ? 'nothing' : JSON.stringify(received)}`,
    );
  }
}

const port = z.coerce.number().int().min(1).max(65535);
const duration = z.string().regex(DURATION_PATTERN);
/** A retention age: a duration, or `off` to keep such rows for ever. */
const retentionAge = z.union([z.literal('off'), duration]);

/**
 * What retention removes, and after how long. Each kind of row has its own variable; the defaults
 * are the ones docs/operations.md argues for (a quarter of raw logs, half a year of outcomes and
 * closed alerts, lineage kept while its version is in use).
 */
export const RETENTION_TARGETS = {
  drift_events: { variable: 'GALFRIDAY_RETENTION_DRIFT_EVENTS', default: '90d' },
  predictions: { variable: 'GALFRIDAY_RETENTION_PREDICTIONS', default: '90d' },
  assignments: { variable: 'GALFRIDAY_RETENTION_ASSIGNMENTS', default: '90d' },
  outcomes: { variable: 'GALFRIDAY_RETENTION_OUTCOMES', default: '180d' },
  unmatched_outcomes: { variable: 'GALFRIDAY_RETENTION_UNMATCHED_OUTCOMES', default: '180d' },
  closed_alerts: { variable: 'GALFRIDAY_RETENTION_CLOSED_ALERTS', default: '180d' },
  training_runs: { variable: 'GALFRIDAY_RETENTION_TRAINING_RUNS', default: '30d' },
  training_datasets: { variable: 'GALFRIDAY_RETENTION_TRAINING_DATASETS', default: '180d' },
} as const;

export type RetentionTarget = keyof typeof RETENTION_TARGETS;

const retentionAgeVariables = Object.fromEntries(
  Object.values(RETENTION_TARGETS).map((t) => [
    t.variable,
    {
      schema: retentionAge,
      expects: 'a duration such as 90d or 12h, or off (keep for ever)',
      default: t.default,
    },
  ]),
) as {
  [T in RetentionTarget as (typeof RETENTION_TARGETS)[T]['variable']]: {
    schema: typeof retentionAge;
    expects: string;
    default: (typeof RETENTION_TARGETS)[T]['default'];
  };
};

/** What retention removes and how often it runs, as {@link loadConfig} reads it. */
export interface RetentionSettings {
  /** Milliseconds between scheduled runs; null: no schedule is kept (an existing one is deleted). */
  readonly everyMs: number | null;
  /** Rows per DELETE statement: each statement holds its locks for milliseconds, not minutes. */
  readonly batchSize: number;
  /** Age in milliseconds after which each kind of row is removed; null keeps it for ever. */
  readonly maxAgeMs: Readonly<Record<RetentionTarget, number | null>>;
}

/**
 * Every environment variable the system reads, with its default and what it expects.
 * The `expects` text is what a user sees when a value is wrong, so it says it in words.
 */
export const configVariables = {
  DATABASE_URL: {
    schema: z.string().regex(/^postgres(ql)?:\/\/.+/),
    expects: 'a postgres:// connection URL (unset: an embedded PostgreSQL is started)',
  },
  TEMPORAL_ADDRESS: {
    schema: z.string().regex(/^[^\s:/]+:\d{1,5}$/),
    expects: 'host:port of a Temporal frontend (unset: a Temporal dev server is started)',
  },
  TEMPORAL_NAMESPACE: { schema: z.string().min(1), expects: 'a Temporal namespace name', default: 'default' },
  GALFRIDAY_TASK_QUEUE: { schema: z.string().min(1), expects: 'a task queue name', default: 'galfriday' },
  GALFRIDAY_DATA_DIR: {
    schema: z.string().min(1),
    expects: 'a directory path for local data',
    default: '.galfriday',
  },
  ROUTER_HOST: { schema: z.string().min(1), expects: 'an interface address to bind', default: '127.0.0.1' },
  ROUTER_PORT: { schema: port, expects: 'a TCP port from 1 to 65535', default: '8080' },
  DASHBOARD_HOST: {
    schema: z.string().min(1),
    expects: 'an interface address for the operator dashboard to bind',
    default: '127.0.0.1',
  },
  DASHBOARD_PORT: {
    schema: port,
    expects: 'a TCP port from 1 to 65535 for the operator dashboard',
    default: '8081',
  },
  GALFRIDAY_PG_PORT: {
    schema: port,
    expects: 'a TCP port from 1 to 65535 for the embedded PostgreSQL',
    default: '54329',
  },
  TEMPORAL_PORT: { schema: port, expects: 'a TCP port from 1 to 65535 for the dev server', default: '7233' },
  TEMPORAL_UI_PORT: { schema: port, expects: 'a TCP port from 1 to 65535 for the Web UI', default: '8233' },
  TEMPORAL_UI_URL: {
    schema: z.string().regex(/^https?:\/\/.+/),
    expects: 'an http(s) URL of the Temporal Web UI, used in printed links',
  },
  TEMPORAL_CLI_PATH: { schema: z.string().min(1), expects: 'the path of a temporal CLI executable' },
  GALFRIDAY_CACHE_DIR: {
    schema: z.string().min(1),
    expects: 'a directory for slow builds kept outside the clone (the Temporal CLI)',
  },
  GALFRIDAY_ENGINE_TOKEN: {
    schema: z.string().min(16),
    expects: 'a bearer token of at least 16 characters (unset: generated once and kept in the data dir)',
  },
  GALFRIDAY_ADMIN_TOKEN: {
    schema: z.string().min(16),
    expects: 'a bearer token of at least 16 characters (unset: generated once and kept in the data dir)',
  },
  GALFRIDAY_METRICS_TOKEN: {
    schema: z.string().min(16),
    expects:
      'a bearer token of at least 16 characters for /metrics only (unset: generated once and kept in the data dir)',
  },
  // A second accepted token per scope, so a token can be rotated without downtime.
  GALFRIDAY_ENGINE_TOKEN_NEXT: {
    schema: z.string().min(16),
    expects: 'a bearer token of at least 16 characters, accepted besides GALFRIDAY_ENGINE_TOKEN',
  },
  GALFRIDAY_ADMIN_TOKEN_NEXT: {
    schema: z.string().min(16),
    expects: 'a bearer token of at least 16 characters, accepted besides GALFRIDAY_ADMIN_TOKEN',
  },
  GALFRIDAY_METRICS_TOKEN_NEXT: {
    schema: z.string().min(16),
    expects: 'a bearer token of at least 16 characters, accepted besides GALFRIDAY_METRICS_TOKEN',
  },
  GALFRIDAY_FLUSH_INTERVAL: {
    schema: duration,
    expects: 'a duration such as 200ms, 1s or 5m',
    default: '200ms',
  },
  ROUTER_DRAIN_DELAY: {
    schema: duration,
    expects: 'a duration such as 0s, 5s or 500ms',
    default: '0s',
  },
  LOG_LEVEL: {
    schema: z.enum(['debug', 'info', 'warn', 'error']),
    expects: 'one of debug, info, warn, error',
    default: 'info',
  },
  GALFRIDAY_WORKER_QUEUES: {
    schema: z.enum(['all', 'main', 'training']),
    expects:
      'all (both task queues in one process), main, or training (the <queue>-training task queue only)',
    default: 'all',
  },
  GALFRIDAY_TRAINING_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(64),
    expects: 'a whole number from 1 to 64 of trainings one worker runs at a time',
    default: '1',
  },
  GALFRIDAY_WORKER_SHUTDOWN_GRACE: {
    schema: duration,
    expects: 'a duration such as 30s or 5m',
    default: '30s',
  },
  GALFRIDAY_RETENTION_EVERY: {
    schema: retentionAge,
    expects: 'a duration of at least 1m such as 1d or 6h, or off (no schedule)',
    default: '1d',
  },
  GALFRIDAY_RETENTION_BATCH_SIZE: {
    schema: z.coerce.number().int().min(100).max(100_000),
    expects: 'a whole number of rows from 100 to 100000 deleted per statement',
    default: '5000',
  },
  ...retentionAgeVariables,
  // --- Router connections and PostgreSQL deadlines (hardened edges) ---
  ROUTER_MAX_CONNECTIONS: {
    schema: z.coerce.number().int().min(1).max(1_000_000),
    expects: 'a whole number of TCP connections from 1 to 1000000',
    default: '4096',
  },
  ROUTER_DB_STATEMENT_TIMEOUT: {
    schema: duration,
    expects: 'a duration such as 5s or 500ms',
    default: '5s',
  },
  ROUTER_OUTCOME_TIMEOUT: {
    schema: duration,
    expects: 'a duration such as 5s or 500ms',
    default: '5s',
  },
  ROUTER_LOG_FLUSH_TIMEOUT: {
    schema: duration,
    expects: 'a duration such as 10s or 500ms',
    default: '10s',
  },
  ROUTER_CONFIG_RELOAD_TIMEOUT: {
    schema: duration,
    expects: 'a duration such as 5s or 500ms',
    default: '5s',
  },
  ROUTER_DB_PROBE_TIMEOUT: {
    schema: duration,
    expects: 'a duration such as 2s or 500ms',
    default: '2s',
  },
  // --- end router connections and deadlines ---
} as const;

export type ConfigVariable = keyof typeof configVariables;

export interface Config {
  /** Postgres URL; undefined means "start the embedded server". */
  readonly databaseUrl: string | undefined;
  /** Temporal frontend; undefined means "start the dev server". */
  readonly temporalAddress: string | undefined;
  readonly temporalNamespace: string;
  readonly taskQueue: string;
  /** Absolute path. @default `<cwd>/.galfriday` */
  readonly dataDir: string;
  readonly routerHost: string;
  readonly routerPort: number;
  /** Where the operator dashboard (its own process, or beside the router under `npm start`) listens. */
  readonly dashboardHost: string;
  readonly dashboardPort: number;
  readonly embeddedPostgresPort: number;
  readonly temporalPort: number;
  readonly temporalUiPort: number;
  readonly temporalUiUrl: string | undefined;
  readonly temporalCliPath: string | undefined;
  /** Where the Temporal CLI build is cached. @default `$XDG_CACHE_HOME/gal-friday` or `~/.cache/gal-friday` */
  readonly cacheDir: string;
  readonly engineToken: string | undefined;
  readonly adminToken: string | undefined;
  /** Read-only token of `/metrics`; undefined: generated once and kept in the data directory. */
  readonly metricsToken: string | undefined;
  /** Second accepted token of each scope during a rotation. */
  readonly engineTokenNext: string | undefined;
  readonly adminTokenNext: string | undefined;
  readonly metricsTokenNext: string | undefined;
  /** Milliseconds between batched log flushes in the routing service. @default 200 */
  readonly flushIntervalMs: number;
  /**
   * How long a stopping router keeps serving, with /readyz failing and `Connection: close` on every
   * response, before it closes its listener: the time a load balancer needs to take it out of
   * rotation. @default 0
   */
  readonly routerDrainDelayMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Which task queues a worker process polls: both (default), the main one, or training only. */
  readonly workerQueues: 'all' | 'main' | 'training';
  /** Trainings one worker process runs at once (its training worker's activity slots). @default 1 */
  readonly trainingConcurrency: number;
  /** How long a stopping worker lets running activities finish before cancelling them. @default 30 s */
  readonly workerShutdownGraceMs: number;
  readonly retention: RetentionSettings;
  // --- Router connections and PostgreSQL deadlines (hardened edges) ---
  /** Open TCP connections the router accepts; more are closed at once and counted. @default 4096 */
  readonly routerMaxConnections: number;
  /**
   * Deadline of every statement of the router's pool: PostgreSQL's `statement_timeout`, and a
   * client-side deadline a little later that discards the connection when the server does not
   * answer at all (frozen, partitioned). @default 5000
   */
  readonly routerDbStatementTimeoutMs: number;
  /** An outcome request not committed within this is answered 503. @default 5000 */
  readonly routerOutcomeTimeoutMs: number;
  /** Deadline of one batched-log COPY; the connection is discarded after it. @default 10000 */
  readonly routerLogFlushTimeoutMs: number;
  /** Deadline of one configuration reload. @default 5000 */
  readonly routerConfigReloadTimeoutMs: number;
  /** Deadline of the once-a-second PostgreSQL probe behind /readyz's `database`. @default 2000 */
  readonly routerDbProbeTimeoutMs: number;
  // --- end router connections and deadlines ---
}

export { parseDuration } from '../util/duration';

function read<K extends ConfigVariable>(
  env: NodeJS.ProcessEnv,
  name: K,
): z.infer<(typeof configVariables)[K]['schema']> | undefined {
  const spec = configVariables[name];
  const raw =
    env[name] === undefined || env[name] === '' ? ('default' in spec ? spec.default : undefined) : env[name];
  if (raw === undefined) return undefined;
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(name, spec.expects, raw);
  return parsed.data as z.infer<(typeof configVariables)[K]['schema']>;
}

/**
 * Reads and validates the whole configuration from an environment.
 * Throws a {@link ConfigError} naming the first variable that is wrong.
 *
 * ### Examples
 * ```ts
 * loadConfig({ ROUTER_PORT: 'abc' })
 * // throws ConfigError: ROUTER_PORT: expected a TCP port from 1 to 65535, got "abc"
 * ```
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const dataDir = read(env, 'GALFRIDAY_DATA_DIR') as string;
  return Object.freeze({
    databaseUrl: read(env, 'DATABASE_URL') as string | undefined,
    temporalAddress: read(env, 'TEMPORAL_ADDRESS') as string | undefined,
    temporalNamespace: read(env, 'TEMPORAL_NAMESPACE') as string,
    taskQueue: read(env, 'GALFRIDAY_TASK_QUEUE') as string,
    dataDir: path.resolve(cwd, dataDir),
    routerHost: read(env, 'ROUTER_HOST') as string,
    routerPort: read(env, 'ROUTER_PORT') as number,
    dashboardHost: read(env, 'DASHBOARD_HOST') as string,
    dashboardPort: read(env, 'DASHBOARD_PORT') as number,
    embeddedPostgresPort: read(env, 'GALFRIDAY_PG_PORT') as number,
    temporalPort: read(env, 'TEMPORAL_PORT') as number,
    temporalUiPort: read(env, 'TEMPORAL_UI_PORT') as number,
    temporalUiUrl: read(env, 'TEMPORAL_UI_URL') as string | undefined,
    temporalCliPath: read(env, 'TEMPORAL_CLI_PATH') as string | undefined,
    cacheDir: path.resolve(
      (read(env, 'GALFRIDAY_CACHE_DIR') as string | undefined) ??
        path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'gal-friday'),
    ),
    engineToken: read(env, 'GALFRIDAY_ENGINE_TOKEN') as string | undefined,
    adminToken: read(env, 'GALFRIDAY_ADMIN_TOKEN') as string | undefined,
    metricsToken: read(env, 'GALFRIDAY_METRICS_TOKEN') as string | undefined,
    engineTokenNext: read(env, 'GALFRIDAY_ENGINE_TOKEN_NEXT') as string | undefined,
    adminTokenNext: read(env, 'GALFRIDAY_ADMIN_TOKEN_NEXT') as string | undefined,
    metricsTokenNext: read(env, 'GALFRIDAY_METRICS_TOKEN_NEXT') as string | undefined,
    flushIntervalMs: parseDuration(read(env, 'GALFRIDAY_FLUSH_INTERVAL') as string),
    routerDrainDelayMs: parseDuration(read(env, 'ROUTER_DRAIN_DELAY') as string),
    logLevel: read(env, 'LOG_LEVEL') as Config['logLevel'],
    // --- Router connections and PostgreSQL deadlines (hardened edges) ---
    routerMaxConnections: read(env, 'ROUTER_MAX_CONNECTIONS') as number,
    routerDbStatementTimeoutMs: parseDuration(read(env, 'ROUTER_DB_STATEMENT_TIMEOUT') as string),
    routerOutcomeTimeoutMs: parseDuration(read(env, 'ROUTER_OUTCOME_TIMEOUT') as string),
    routerLogFlushTimeoutMs: parseDuration(read(env, 'ROUTER_LOG_FLUSH_TIMEOUT') as string),
    routerConfigReloadTimeoutMs: parseDuration(read(env, 'ROUTER_CONFIG_RELOAD_TIMEOUT') as string),
    routerDbProbeTimeoutMs: parseDuration(read(env, 'ROUTER_DB_PROBE_TIMEOUT') as string),
    // --- end router connections and deadlines ---
    workerQueues: read(env, 'GALFRIDAY_WORKER_QUEUES') as Config['workerQueues'],
    trainingConcurrency: read(env, 'GALFRIDAY_TRAINING_CONCURRENCY') as number,
    workerShutdownGraceMs: parseDuration(read(env, 'GALFRIDAY_WORKER_SHUTDOWN_GRACE') as string),
    retention: readRetention(env),
  });
}

function readRetention(env: NodeJS.ProcessEnv): RetentionSettings {
  const age = (name: ConfigVariable): number | null => {
    const text = read(env, name) as string;
    return text === 'off' ? null : parseDuration(text);
  };
  const everyMs = age('GALFRIDAY_RETENTION_EVERY');
  if (everyMs !== null && everyMs < 60_000) {
    throw new ConfigError('GALFRIDAY_RETENTION_EVERY', 'at least 1m, or off', env.GALFRIDAY_RETENTION_EVERY);
  }
  return Object.freeze({
    everyMs,
    batchSize: read(env, 'GALFRIDAY_RETENTION_BATCH_SIZE') as number,
    maxAgeMs: Object.freeze(
      Object.fromEntries(
        (Object.keys(RETENTION_TARGETS) as RetentionTarget[]).map((t) => [
          t,
          age(RETENTION_TARGETS[t].variable),
        ]),
      ) as Record<RetentionTarget, number | null>,
    ),
  });
}
