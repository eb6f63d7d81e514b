import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Config } from '../../config/config';
import { connectDatabase, type DatabaseHandle } from '../../db/connection';
import {
  assignmentEncoder,
  copyAssignments,
  copyPredictions,
  predictionEncoder,
} from '../../db/repositories/routing-log.repository';
import { getArtifact } from '../../db/repositories/version.repository';
import { createRng } from '../../stats/random';
import { BrokenVersionAlerts } from './alerts/broken-version-alerts';
import { ConfigProblemAlerts } from './alerts/config-problem-alerts';
import { DroppedRowsAlerts } from './alerts/dropped-rows-alerts';
import { RouterAlerts } from './alerts/router-alerts';
import { AdaptiveReweighter } from './config/adaptive-reweighter';
import { ConfigStore } from './config/config-store';
import type { RoutingSnapshot } from './config/routing-snapshot';
import { createBearerAuth } from '../../http/bearer-auth';
import { createRequestHandler } from './http/request-handler';
import type { RouteDefinition } from './http/route-definition';
import { ModelSessionCache } from './inference/model-session-cache';
import { loadModelSession } from './inference/onnx-model-session';
import { BatchLog, type BatchLogMetrics } from './logs/batch-log';
import { createRouterLogger, type RouterLogger } from './observability/router-logger';
import { createRouterMetrics, type RouterMetrics } from './observability/router-metrics';
import { DatabaseProbe } from './observability/database-probe';
import { OutcomeCommitter } from './outcomes/outcome-committer';
import { UnmatchedOutcomeMatcher } from './outcomes/unmatched-outcome-matcher';
import type { RoutingContext } from './routing-context';
import { DEFAULT_ROUTER_TUNING, type RouterTuning } from './router-tuning';
import { createRoutes } from './routes';
import {
  loadStrategiesFile,
  parseStrategies,
  type StrategiesFileInput,
  type Strategy,
} from './signal/strategy-config';
import { ensureTokens, type RouterTokens } from './tokens/ensure-tokens';

/**
 * Name of the strategies file looked up in the data directory when no strategies are passed in.
 */
export const STRATEGIES_FILE = 'strategies.json';

/**
 * Options of {@link buildRoutingApp} and `startRoutingService`.
 *
 * ### Examples
 * ```ts
 * import { loadConfig } from '../../config/config';
 * const options: RoutingAppOptions = { config: loadConfig(), databaseUrl: 'postgres://…', tuning: { flushIntervalMs: 50 } };
 * ```
 */
export interface RoutingAppOptions {
  readonly config: Config;
  readonly databaseUrl: string;
  /** Where log lines go (one JSON object per line). @default stdout */
  readonly log?: (line: string) => void;
  /** Strategies passed in, instead of reading `<dataDir>/strategies.json`. */
  readonly strategies?: StrategiesFileInput;
  /** Strategies file to read instead of `<dataDir>/strategies.json`. */
  readonly strategiesFile?: string;
  /** Tokens to use instead of {@link ensureTokens} (tests). */
  readonly tokens?: RouterTokens;
  readonly tuning?: Partial<RouterTuning> & { readonly flushIntervalMs?: number };
}

/**
 * A routing service without a socket: its request listener, shared context and lifecycle. Tests
 * and `startRoutingService` put it behind a `node:http` server.
 *
 * ### Examples
 * ```ts
 * import http from 'node:http';
 * declare const options: RoutingAppOptions;
 * const app = await buildRoutingApp(options);
 * await app.start();
 * http.createServer(app.handler).listen(0, '127.0.0.1');
 * await app.stop();
 * ```
 */
export interface RoutingApp {
  readonly tokens: RouterTokens;
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly context: RoutingContext;
  readonly routes: readonly RouteDefinition<never>[];
  readonly metrics: RouterMetrics;
  readonly logger: RouterLogger;
  readonly database: DatabaseHandle;
  /** Loads the configuration (waiting for the first load) and starts the flushers and timers. */
  start(): Promise<void>;
  /** Marks the app draining (readiness 503) without stopping anything yet. */
  drain(): void;
  /** Flushes the logs (bounded by the shutdown timeout), stops timers and closes PostgreSQL. */
  stop(): Promise<void>;
}

function logMetrics(
  metrics: RouterMetrics,
  name: string,
  setDatabaseUp: (up: boolean) => void,
  droppedAlerts: DroppedRowsAlerts,
): BatchLogMetrics {
  const flushed = metrics.flushedRows.labels(name);
  const overflow = metrics.droppedRows.labels(name, 'overflow');
  const rejected = metrics.droppedRows.labels(name, 'rejected');
  const lag = metrics.flushLag.labels(name);
  const buffered = metrics.bufferedRows.labels(name);
  return {
    flushed: (rows) => flushed.inc(rows),
    dropped: (reason, rows) => {
      (reason === 'overflow' ? overflow : rejected).inc(rows);
      droppedAlerts.note(reason, rows);
    },
    lag: (seconds) => lag.observe(seconds),
    buffered: (rows) => buffered.set(rows),
    databaseUp: setDatabaseUp,
  };
}

/**
 * Wires a routing service: tokens, PostgreSQL pool, ONNX session cache, live configuration
 * (LISTEN + periodic refresh), adaptive reweighting, batched logs, outcome group commit, alerts,
 * strategies and the HTTP request listener. Nothing runs until `start()`.
 * Throws StrategyConfigError for an invalid strategies file and ConfigError for unusable tokens.
 *
 * ### Examples
 * ```ts
 * declare const config: Config;
 * declare const databaseUrl: string;
 * const app = await buildRoutingApp({ config, databaseUrl });
 * app.tokens.engineToken; // bearer token of the engine endpoints
 * ```
 */
export async function buildRoutingApp(options: RoutingAppOptions): Promise<RoutingApp> {
  const { config } = options;
  const tuning: RouterTuning & { flushIntervalMs: number } = {
    ...DEFAULT_ROUTER_TUNING,
    flushIntervalMs: config.flushIntervalMs,
    outcomeTimeoutMs: config.routerOutcomeTimeoutMs,
    ...options.tuning,
  };
  const metrics = createRouterMetrics();
  const logger = createRouterLogger(config.logLevel, options.log, (reason) =>
    metrics.droppedLogLines.labels(reason).inc(),
  );
  const tokens = options.tokens ?? (await ensureTokens(config));

  const strategiesFile = options.strategiesFile ?? path.join(config.dataDir, STRATEGIES_FILE);
  let strategies: ReadonlyMap<string, Strategy> =
    options.strategies !== undefined
      ? parseStrategies(options.strategies, 'options.strategies')
      : await loadStrategiesFile(strategiesFile);

  // Every statement has a deadline, and a connection that passes one is destroyed: a PostgreSQL
  // that hangs instead of failing must not hold requests, flushes or reloads for ever.
  const database = connectDatabase(options.databaseUrl, {
    maxConnections: tuning.poolSize,
    applicationName: 'galfriday-router',
    statementTimeoutMs: config.routerDbStatementTimeoutMs,
    onDeadline: (what) => metrics.databaseTimeouts.labels(what).inc(),
  });
  // pg-pool listens for errors only on idle clients. When PostgreSQL goes away while a client is
  // checked out between two statements of a transaction, the client emits 'error' with no listener
  // and the process would crash; the statement that uses it next fails instead, and is retried.
  database.pool.on('connect', (client) => client.on('error', () => undefined));
  const { db } = database;
  let databaseUp = true;
  const setDatabaseUp = (up: boolean): void => {
    databaseUp = up;
    metrics.databaseUp.labels().set(up ? 1 : 0);
  };
  let draining = false;

  const alerts = new RouterAlerts(db, logger);
  // Alert texts follow the configuration being served (the store, created below).
  const brokenVersions = new BrokenVersionAlerts({
    alerts,
    snapshot: (): RoutingSnapshot | null => store.snapshot,
    settleMs: tuning.preloadTimeoutMs + 200,
  });
  const problemAlerts = new ConfigProblemAlerts(alerts);
  const droppedAlerts = {
    predictions: new DroppedRowsAlerts({ alerts, log: 'predictions' }),
    assignments: new DroppedRowsAlerts({ alerts, log: 'assignments' }),
  };
  const sessions = new ModelSessionCache({
    fetchArtifact: (versionId) => getArtifact(db, versionId),
    load: loadModelSession,
    retryBrokenAfterMs: tuning.retryBrokenAfterMs,
    releaseAfterMs: tuning.releaseAfterMs,
    logger,
    onBroken: (spec, phase, error) => brokenVersions.onBroken(spec, phase, error),
  });
  // The reweighter reads the live configuration, which the store (created next) holds; it is only
  // called once the app has started.
  const reweighter = new AdaptiveReweighter({
    db,
    snapshot: (): RoutingSnapshot | null => store.snapshot,
    logger,
    tickMs: tuning.reweightTickMs,
  });
  const store: ConfigStore = new ConfigStore({
    db,
    databaseUrl: options.databaseUrl,
    sessions,
    reweighter,
    metrics,
    logger,
    refreshIntervalMs: tuning.refreshIntervalMs,
    preloadTimeoutMs: tuning.preloadTimeoutMs,
    debounceMs: tuning.debounceMs,
    reloadTimeoutMs: config.routerConfigReloadTimeoutMs,
    onDatabase: setDatabaseUp,
    onProblems: (problems) => problemAlerts.report(problems),
  });

  const predictionLog = new BatchLog({
    name: 'predictions',
    encoder: predictionEncoder,
    write: (batch) =>
      copyPredictions(database.pool, batch.payload, { timeoutMs: config.routerLogFlushTimeoutMs }),
    maxBuffered: tuning.maxBufferedRows,
    maxBatch: tuning.maxBatchRows,
    flushIntervalMs: tuning.flushIntervalMs,
    metrics: logMetrics(metrics, 'predictions', setDatabaseUp, droppedAlerts.predictions),
    logger,
  });
  const assignmentLog = new BatchLog({
    name: 'assignments',
    encoder: assignmentEncoder,
    write: (batch) =>
      copyAssignments(database.pool, batch.payload, { timeoutMs: config.routerLogFlushTimeoutMs }),
    maxBuffered: tuning.maxBufferedRows,
    maxBatch: tuning.maxBatchRows,
    flushIntervalMs: tuning.flushIntervalMs,
    metrics: logMetrics(metrics, 'assignments', setDatabaseUp, droppedAlerts.assignments),
    logger,
  });
  const committer = new OutcomeCommitter({
    db,
    pendingSources: [predictionLog, assignmentLog],
    maxBatch: tuning.outcomeMaxBatch,
    timeoutMs: tuning.outcomeTimeoutMs,
    logger,
    onDatabase: setDatabaseUp,
    isDatabaseDown: () => !probe.up,
    onUnmatched: (reasons) => {
      const byReason = new Map<string, number>();
      for (const reason of reasons) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      for (const [reason, n] of byReason) metrics.unmatchedOutcomes.labels(reason).inc(n);
      alerts.raise({
        severity: 'warning',
        kind: 'outcomes_unmatched',
        modelId: null,
        experimentId: null,
        message: `${reasons.length} outcome(s) acknowledged without a matching prediction (${[...byReason].map(([r, n]) => `${r}: ${n}`).join(', ')}); kept in unmatched_outcomes until their prediction is logged`,
        details: Object.fromEntries(byReason),
        dedupeKey: 'router:outcomes_unmatched',
      });
    },
  });
  const probe = new DatabaseProbe({
    db,
    intervalMs: tuning.databaseProbeIntervalMs,
    timeoutMs: config.routerDbProbeTimeoutMs,
    logger,
    onResult: setDatabaseUp,
  });
  const matcher = new UnmatchedOutcomeMatcher({
    db,
    intervalMs: tuning.unmatchedMatchIntervalMs,
    timeoutMs: config.routerDbStatementTimeoutMs,
    logger,
  });

  const context: RoutingContext = {
    store,
    reweighter,
    sessions,
    predictionLog,
    assignmentLog,
    committer,
    strategies: () => strategies,
    reloadStrategies: async () => {
      if (options.strategies !== undefined) return;
      strategies = await loadStrategiesFile(strategiesFile);
    },
    metrics,
    logger,
    rng: createRng(randomBytes(4).readUInt32LE(0)),
    databaseUp: () => databaseUp,
    draining: () => draining,
  };
  const routes = createRoutes(context);
  const handler = createRequestHandler({
    routes,
    auth: createBearerAuth(tokens),
    metrics,
    logger,
    isDraining: () => draining,
  });

  let stopped: Promise<void> | undefined;
  return {
    tokens,
    handler,
    context,
    routes,
    metrics,
    logger,
    database,
    async start() {
      predictionLog.start();
      assignmentLog.start();
      probe.start();
      matcher.start();
      await store.start();
      reweighter.start();
      if (store.snapshot === null)
        logger.warn('started without a configuration; retrying the first load in the background');
    },
    drain() {
      draining = true;
    },
    stop() {
      stopped ??= (async () => {
        draining = true;
        reweighter.stop();
        probe.stop();
        matcher.stop();
        await store.stop();
        const deadline = tuning.shutdownTimeoutMs;
        const [lostPredictions, lostAssignments] = await Promise.all([
          predictionLog.stop(deadline),
          assignmentLog.stop(deadline),
        ]);
        if (lostPredictions + lostAssignments === 0) logger.info('logs flushed');
        brokenVersions.stop();
        droppedAlerts.predictions.stop();
        droppedAlerts.assignments.stop();
        alerts.stop();
        await sessions.close();
        await database.close();
      })();
      return stopped;
    },
  };
}
