import { ConfigError, loadConfig } from '../config/config';
import { StrategyConfigError } from './service/signal/strategy-config';
import { serveRouter } from './standalone-router';

/**
 * A standalone routing service for production (docker-compose, Kubernetes): needs DATABASE_URL,
 * starts nothing else, and stops gracefully on SIGINT/SIGTERM (drain, flush the batched logs,
 * close PostgreSQL). Run as many as the load needs behind a load balancer: hashing is
 * deterministic, so every instance routes a unit the same way. `galfriday router` runs the same.
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
  await serveRouter({ config, databaseUrl: config.databaseUrl });
}

run().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`galfriday router: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ConfigError || error instanceof StrategyConfigError ? 2 : 1);
  },
);
