import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config';
import { connectDatabase, type DatabaseHandle } from '../db/connection';
import { acceptedTokens, ensureTokens } from '../routing/service/tokens/ensure-tokens';
import { terminationSignals } from '../util/termination-signals';
import { buildDashboardApp } from './dashboard-app';

/**
 * Options of {@link startDashboard}.
 *
 * ### Examples
 * ```ts
 * declare const config: Config;
 * const options: ServeDashboardOptions = { config, databaseUrl: 'postgres://…', temporalAddress: 'localhost:7233' };
 * ```
 */
export interface ServeDashboardOptions {
  readonly config: Config;
  readonly databaseUrl: string;
  /** @default config.dashboardHost */
  readonly host?: string;
  /** @default config.dashboardPort; 0 picks a free port */
  readonly port?: number;
  /** Temporal frontend of the experiment controls (pause, stop, conclude). @default TEMPORAL_ADDRESS */
  readonly temporalAddress?: string;
  /** Temporal Web UI for the links. @default TEMPORAL_UI_URL */
  readonly temporalUiUrl?: string;
  /** Where unexpected page errors are logged (one line each). @default stderr */
  readonly log?: (line: string) => void;
}

/**
 * A dashboard listening on its address.
 *
 * ### Examples
 * ```ts
 * declare const config: Config;
 * declare const databaseUrl: string;
 * const dashboard: RunningDashboard = await startDashboard({ config, databaseUrl });
 * dashboard.url; // 'http://127.0.0.1:8081'
 * ```
 */
export interface RunningDashboard {
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops listening (requests in flight finish), closes Temporal and PostgreSQL; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the operator dashboard in this process, on its own port and its own PostgreSQL pool: the
 * admin tokens are the router's (GALFRIDAY_ADMIN_TOKEN[_NEXT], or the data directory's tokens.json),
 * and Temporal is connected on the first experiment control, not before, so the pages work while
 * Temporal is down. A failed connection is not kept: the next action tries again.
 *
 * ### Examples
 * ```ts
 * import { loadConfig } from '../config/config';
 * declare const databaseUrl: string;
 * const dashboard = await startDashboard({ config: loadConfig(), databaseUrl, temporalAddress: 'localhost:7233' });
 * console.log(`dashboard on ${dashboard.url}/ui`);
 * await dashboard.stop();
 * ```
 */
export async function startDashboard(options: ServeDashboardOptions): Promise<RunningDashboard> {
  const { config } = options;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const tokens = await ensureTokens(config);
  const database: DatabaseHandle = connectDatabase(options.databaseUrl, {
    maxConnections: 4,
    applicationName: 'galfriday-dashboard',
  });
  database.pool.on('connect', (client) => client.on('error', () => undefined));
  const address = options.temporalAddress ?? config.temporalAddress;
  let temporal: Promise<Client> | undefined;
  const connectTemporal = (): Promise<Client> => {
    if (address === undefined)
      return Promise.reject(
        new Error('no Temporal server configured for the dashboard controls (set TEMPORAL_ADDRESS)'),
      );
    return (temporal ??= Connection.connect({ address, connectTimeout: 5_000 }).then(
      (connection) => new Client({ connection, namespace: config.temporalNamespace }),
      (error: unknown) => {
        temporal = undefined;
        throw error;
      },
    ));
  };
  const temporalUiUrl = options.temporalUiUrl ?? config.temporalUiUrl;
  const app = await buildDashboardApp({
    db: database.db,
    temporal: connectTemporal,
    namespace: config.temporalNamespace,
    ...(temporalUiUrl !== undefined ? { temporalUiUrl } : {}),
    adminToken: acceptedTokens(tokens).admin,
    onError: (error, where) =>
      log(
        JSON.stringify({
          level: 'error',
          msg: 'dashboard request failed',
          ...where,
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
  });
  const close = async (): Promise<void> => {
    await app.close();
    if (temporal !== undefined) await (await temporal.catch(() => undefined))?.connection.close();
    await database.close();
  };
  try {
    await app.listen({
      host: options.host ?? config.dashboardHost,
      port: options.port ?? config.dashboardPort,
    });
  } catch (error) {
    await close();
    throw error;
  }
  const bound = app.server.address();
  const url =
    typeof bound === 'object' && bound !== null
      ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
      : String(bound);
  let stopped: Promise<void> | undefined;
  return { url, app, stop: () => (stopped ??= close()) };
}

/**
 * Runs the dashboard in the foreground (`galfriday dashboard`, `dist/dashboard/dashboard-main.js`)
 * until `stopWhen` resolves, by default at the first SIGINT or SIGTERM; then stops it.
 *
 * ### Examples
 * ```ts
 * import { loadConfig } from '../config/config';
 * declare const databaseUrl: string;
 * await serveDashboard({ config: loadConfig(), databaseUrl, onListening: (d) => console.log(d.url) });
 * ```
 */
export async function serveDashboard(
  options: ServeDashboardOptions & {
    readonly onListening?: (dashboard: RunningDashboard) => void;
    readonly stopWhen?: Promise<unknown>;
  },
): Promise<void> {
  const signals = options.stopWhen === undefined ? terminationSignals(() => undefined) : undefined;
  try {
    const dashboard = await startDashboard(options);
    options.onListening?.(dashboard);
    await (options.stopWhen ?? signals!.first);
    await dashboard.stop();
  } finally {
    signals?.release();
  }
}
