import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config/config';
import { connectDatabase } from '../db/connection';
import { migrate } from '../db/migrator';
import { trainingTaskQueue } from '../temporal/task-queues';
import { createGalfridayWorker } from './create-worker';
import { installTemporalRuntime } from './runtime';

/**
 * A standalone worker for production (docker-compose, Kubernetes): needs DATABASE_URL and
 * TEMPORAL_ADDRESS, starts nothing else. Run as many as you like on the same task queue.
 * GALFRIDAY_WORKER_QUEUES=main / training splits workflows and training into separate fleets.
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
    queues: config.workerQueues,
    trainingConcurrency: config.trainingConcurrency,
    shutdownGraceTime: config.workerShutdownGraceMs,
    // A training-only worker leaves the schedule to the main workers.
    retentionEveryMs: config.workerQueues === 'training' ? false : config.retention.everyMs,
    // Main workers also run backtests (`galfriday backtest`) on their own queue.
    backtests: config.workerQueues !== 'training',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  const queues = {
    all: `${config.taskQueue} and ${trainingTaskQueue(config.taskQueue)} (${config.trainingConcurrency} at a time)`,
    main: config.taskQueue,
    training: `${trainingTaskQueue(config.taskQueue)} (${config.trainingConcurrency} at a time)`,
  }[config.workerQueues];
  console.log(
    `worker polling ${queues} on ${config.temporalAddress} (namespace ${config.temporalNamespace})`,
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
