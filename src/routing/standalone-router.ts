import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import { connectDatabase } from '../db/connection';
import { migrate } from '../db/migrator';
import { startRoutingService, type RunningRoutingService } from './service';

/**
 * Options of {@link serveRouter}.
 *
 * ### Examples
 * ```ts
 * const options: StandaloneRouterOptions = { config, databaseUrl: 'postgres://…', port: 8081 };
 * ```
 */
export interface StandaloneRouterOptions {
  readonly config: Config;
  readonly databaseUrl: string;
  /** @default config.routerHost */
  readonly host?: string;
  /** @default config.routerPort */
  readonly port?: number;
  /** Temporal frontend for the dashboard's experiment controls. @default TEMPORAL_ADDRESS */
  readonly temporalAddress?: string;
  /** @default TEMPORAL_UI_URL */
  readonly temporalUiUrl?: string;
  /** Told once the router listens (its URL, tokens). */
  readonly onListening?: (router: RunningRoutingService) => void;
  /** Resolves when the router should stop. @default the first SIGINT or SIGTERM */
  readonly stopWhen?: Promise<string>;
}

/** Resolves with the name of the first SIGINT or SIGTERM the process receives. */
export function firstTerminationSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Runs one routing service on its own (production, or another instance beside `npm start`'s):
 * applies pending migrations (idempotent and advisory-locked, so a router starting with the worker
 * is safe), listens, and on the first SIGINT/SIGTERM drains, flushes the batched logs and closes
 * PostgreSQL before resolving.
 *
 * ### Examples
 * ```ts
 * await serveRouter({ config: loadConfig(), databaseUrl: process.env.DATABASE_URL! });
 * ```
 */
export async function serveRouter(options: StandaloneRouterOptions): Promise<void> {
  const { config } = options;
  const migrator = connectDatabase(options.databaseUrl, {
    maxConnections: 1,
    applicationName: 'galfriday-router-migrate',
  });
  try {
    await migrate(migrator.pool);
  } finally {
    await migrator.close();
  }
  const address = options.temporalAddress;
  let temporal: Promise<Client> | undefined;
  const router = await startRoutingService({
    config,
    databaseUrl: options.databaseUrl,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.temporalUiUrl !== undefined ? { temporalUiUrl: options.temporalUiUrl } : {}),
    ...(address !== undefined
      ? {
          temporal: () =>
            (temporal ??= Connection.connect({ address }).then(
              (connection) => new Client({ connection, namespace: config.temporalNamespace }),
            )),
        }
      : {}),
  });
  options.onListening?.(router);
  const signal = await (options.stopWhen ?? firstTerminationSignal());
  router.app.logger.info('stopping', { signal });
  try {
    await router.stop();
  } finally {
    if (temporal !== undefined) await (await temporal.catch(() => undefined))?.connection.close();
  }
}
