import { ConfigError, loadConfig } from '../config/config';
import { serveDashboard } from './serve-dashboard';

/**
 * The operator dashboard as its own process for production (docker-compose): needs DATABASE_URL,
 * takes the admin token from GALFRIDAY_ADMIN_TOKEN and TEMPORAL_ADDRESS for the experiment controls,
 * listens on DASHBOARD_HOST:DASHBOARD_PORT and stops on SIGINT/SIGTERM. `galfriday dashboard` runs
 * the same.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError(
      'DATABASE_URL',
      'to be set for a standalone dashboard (`npm start` runs a local stack instead)',
      undefined,
    );
  }
  await serveDashboard({
    config,
    databaseUrl: config.databaseUrl,
    onListening: (dashboard) =>
      console.log(JSON.stringify({ level: 'info', msg: 'dashboard listening', url: `${dashboard.url}/ui` })),
  });
}

run().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`galfriday dashboard: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
