import type { Config } from '../config/config';
import { connectDatabase } from '../db/connection';
import { migrate } from '../db/migrator';
import { terminationSignals } from '../util/termination-signals';
import { startRoutingService, type RunningRoutingService } from './service';

/**
 * Options of {@link serveRouter}.
 *
 * ### Examples
 * ```ts
 * declare const config: Config;
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
  /** Told once the router listens (its URL, tokens). */
  readonly onListening?: (router: RunningRoutingService) => void;
  /** Resolves when the router should stop. @default the first SIGINT or SIGTERM */
  readonly stopWhen?: Promise<string>;
  /** Where log lines go (one JSON object per line). @default stdout */
  readonly log?: (line: string) => void;
}

/**
 * PostgreSQL could not be used to start the router (unreachable, login or database refused, or
 * migrations failing); `cause` is the driver's error.
 *
 * ### Examples
 * ```ts
 * declare const options: StandaloneRouterOptions;
 * let exitCode = 0;
 * await serveRouter(options).catch((error) => { if (error instanceof RouterDatabaseError) exitCode = 5; });
 * ```
 */
export class RouterDatabaseError extends Error {
  override readonly name = 'RouterDatabaseError';
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * Runs one routing service on its own (production, or another instance beside `npm start`'s):
 * applies pending migrations (idempotent and advisory-locked, so a router starting with the worker
 * is safe), listens, and on the first SIGINT/SIGTERM drains, flushes the batched logs and closes
 * PostgreSQL before resolving; a repeated signal meanwhile does not cut the flush short. Throws
 * RouterDatabaseError when PostgreSQL cannot be used.
 *
 * ### Examples
 * ```ts
 * import { loadConfig } from '../config/config';
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
  } catch (error) {
    throw new RouterDatabaseError(error as Error);
  } finally {
    await migrator.close();
  }
  let router: RunningRoutingService | undefined;
  const signals =
    options.stopWhen === undefined
      ? terminationSignals((signal) =>
          router?.app.logger.warn('already stopping: the batched logs are being written', { signal }),
        )
      : undefined;
  try {
    router = await startRoutingService({
      config,
      databaseUrl: options.databaseUrl,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
    });
  } catch (error) {
    signals?.release();
    throw error;
  }
  const running = router;
  options.onListening?.(running);
  const signal = await (options.stopWhen ?? signals!.first);
  running.app.logger.info('stopping', { signal });
  try {
    await running.stop();
  } finally {
    signals?.release();
  }
}
