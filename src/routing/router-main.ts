import { ConfigError, loadConfig } from '../config/config';
import { connectDatabase } from '../db/connection';
import { migrate } from '../db/migrator';
import { startRoutingService } from './service';
import { StrategyConfigError } from './service/signal/strategy-config';

/**
 * A standalone routing service for production (docker-compose, Kubernetes): needs DATABASE_URL,
 * starts nothing else, and stops gracefully on SIGINT/SIGTERM (drain, flush the batched logs,
 * close PostgreSQL). Run as many as the load needs behind a load balancer: hashing is
 * deterministic, so every instance routes a unit the same way.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError(
      'DATABASE_URL',
      'to be set for a standalone router (`npm start` runs a local stack instead)',
      undefined,
    );
  }
  // Migrating is idempotent and advisory-locked, so a router starting before (or with) the worker is safe.
  const migrator = connectDatabase(config.databaseUrl, {
    maxConnections: 1,
    applicationName: 'galfriday-router-migrate',
  });
  try {
    await migrate(migrator.pool);
  } finally {
    await migrator.close();
  }
  const router = await startRoutingService({ config, databaseUrl: config.databaseUrl });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    router.app.logger.info('stopping', { signal });
    router.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`galfriday router: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

run().catch((error: unknown) => {
  console.error(`galfriday router: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError || error instanceof StrategyConfigError ? 2 : 1);
});
