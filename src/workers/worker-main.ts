import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config/config';
import { connectDatabase } from '../db/connection';
import { migrate } from '../db/migrator';
import { createGalfridayWorker } from './create-worker';
import { installTemporalRuntime } from './runtime';

/**
 * A standalone worker for production (docker-compose, Kubernetes): needs DATABASE_URL and
 * TEMPORAL_ADDRESS, starts nothing else. Run as many as you like on the same task queue.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.temporalAddress) {
    throw new ConfigError(
      config.databaseUrl ? 'TEMPORAL_ADDRESS' : 'DATABASE_URL',
      'to be set for a standalone worker (`npm start` runs a local stack instead)',
      undefined,
    );
  }
  installTemporalRuntime(config.logLevel === 'debug' ? 'DEBUG' : 'INFO');
  const database = connectDatabase(config.databaseUrl, { applicationName: 'galfriday-worker' });
  await migrate(database.pool);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createGalfridayWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    deps: { db: database.db },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  console.log(
    `worker polling ${config.taskQueue} on ${config.temporalAddress} (namespace ${config.temporalNamespace})`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await database.close();
  }
}

run().catch((error: unknown) => {
  console.error(`galfriday worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
