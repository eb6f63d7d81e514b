import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Config } from '../config/config';
import { connectDatabase, type DatabaseHandle } from '../db/connection';
import { migrate } from '../db/migrator';
import { resolveTemporalCli } from '../temporal/cli-resolver';
import { startTemporalDevServer } from '../temporal/dev-server';
import { startDashboard, type RunningDashboard } from '../dashboard';
import { startRoutingService, type RunningRoutingService } from '../routing/service';
import { createGalfridayWorker } from '../workers/create-worker';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface LocalStack {
  readonly databaseUrl: string;
  readonly database: DatabaseHandle;
  readonly temporalAddress: string;
  /** Undefined when Temporal runs elsewhere (TEMPORAL_ADDRESS) and TEMPORAL_UI_URL is not set. */
  readonly temporalUiUrl: string | undefined;
  readonly startedPostgres: boolean;
  readonly startedTemporal: boolean;
  readonly worker: Worker | undefined;
  /** The routing service, when started (`router: true`). */
  readonly router: RunningRoutingService | undefined;
  /** The operator dashboard, on its own port, when started (`dashboard: true`). */
  readonly dashboard: RunningDashboard | undefined;
  /** Stops everything this stack started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Start a worker in this process. @default true */
  worker?: boolean;
  /** Start the routing service in this process. @default true */
  router?: boolean;
  /** Start the operator dashboard in this process, on DASHBOARD_PORT. @default true */
  dashboard?: boolean;
  log?: (line: string) => void;
}

/**
 * Brings up what the system needs: Postgres (DATABASE_URL, or an embedded server under the data
 * directory), the schema, Temporal (TEMPORAL_ADDRESS, or a dev server with its UI), a worker, the
 * routing service and, on a port of its own with its own pool, the operator dashboard.
 */
export async function startLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error) => log(`shutdown: ${error}`));
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      log(`Starting the embedded PostgreSQL (data in ${path.join(config.dataDir, 'postgres')})…`);
      const postgres = await startEmbeddedPostgres({
        clusterDir: path.join(config.dataDir, 'postgres'),
        port: config.embeddedPostgresPort,
      });
      cleanups.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    const database = connectDatabase(databaseUrl, { applicationName: 'galfriday-stack' });
    cleanups.push(() => database.close());
    const migrated = await migrate(database.pool, { log });
    log(`Schema up to date (${migrated.applied.length} applied now, ${migrated.alreadyApplied} before).`);

    let temporalAddress = config.temporalAddress;
    let temporalUiUrl = config.temporalUiUrl;
    if (!temporalAddress) {
      const cli = await resolveTemporalCli({
        configuredPath: config.temporalCliPath,
        cacheDir: config.cacheDir,
        searchPath: process.env.PATH,
        onProgress: log,
      });
      log(`Starting the Temporal dev server (${cli ? `CLI from ${cli.source}` : 'SDK download'})…`);
      const temporal = await startTemporalDevServer({
        cliPath: cli?.path,
        dbFile: path.join(config.dataDir, 'temporal.sqlite'),
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        namespace: config.temporalNamespace,
      });
      cleanups.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl ??= temporal.uiUrl;
    }

    let worker: Worker | undefined;
    if (options.worker !== false) {
      const connection = await NativeConnection.connect({ address: temporalAddress });
      cleanups.push(() => connection.close());
      worker = await createGalfridayWorker({
        connection,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        deps: { db: database.db },
        backtests: true,
      });
      const running = worker.run();
      const started = worker;
      cleanups.push(async () => {
        if (started.getState() === 'RUNNING') started.shutdown();
        await running;
      });
    }
    let router: RunningRoutingService | undefined;
    if (options.router !== false) {
      router = await startRoutingService({ config, databaseUrl, log });
      const started = router;
      cleanups.push(() => started.stop());
    }
    let dashboard: RunningDashboard | undefined;
    if (options.dashboard !== false) {
      dashboard = await startDashboard({
        config,
        databaseUrl,
        temporalAddress,
        ...(temporalUiUrl ? { temporalUiUrl } : {}),
        log,
      });
      const started = dashboard;
      cleanups.push(() => started.stop());
    }
    return {
      databaseUrl,
      database,
      router,
      dashboard,
      temporalAddress,
      temporalUiUrl,
      startedPostgres: !config.databaseUrl,
      startedTemporal: !config.temporalAddress,
      worker,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
