import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import { connectDatabase, type DatabaseHandle } from '../db/connection';
import { migrate } from '../db/migrator';
import { startEmbeddedPostgres } from '../stack/embedded-postgres';
import { readStackState, type StackState } from '../stack/stack-state';
import path from 'node:path';
import { CliError, ExitCode } from './exit-codes';

/** What every command gets: configuration, output helpers, and lazily opened servers. */
export interface CliContext {
  readonly config: Config;
  readonly json: boolean;
  /** Prints `human` normally, or `data` as JSON under --json. */
  print(human: string, data?: unknown): void;
  /** Progress and notes for people; suppressed under --json so stdout stays parseable. */
  note(line: string): void;
  stack(): Promise<StackState | undefined>;
  database(): Promise<DatabaseHandle>;
  temporal(): Promise<Client>;
  /** The Temporal Web UI base URL, when one is known. */
  temporalUiUrl(): Promise<string | undefined>;
  close(): Promise<void>;
}

export function createCliContext(config: Config, json: boolean): CliContext {
  const cleanups: Array<() => Promise<void>> = [];
  let database: Promise<DatabaseHandle> | undefined;
  let temporal: Promise<Client> | undefined;
  const stack = () => readStackState(config.dataDir);

  const openDatabase = async (): Promise<DatabaseHandle> => {
    let url = config.databaseUrl ?? (await stack())?.databaseUrl;
    if (!url) {
      // No stack running: start the embedded server just for this command.
      if (!json)
        process.stderr.write('No stack running; starting the embedded PostgreSQL for this command…\n');
      const postgres = await startEmbeddedPostgres({
        clusterDir: path.join(config.dataDir, 'postgres'),
        port: config.embeddedPostgresPort,
      }).catch((error: Error) => {
        throw new CliError(error.message, ExitCode.UNAVAILABLE);
      });
      cleanups.push(() => postgres.stop());
      url = postgres.url;
    }
    const handle = connectDatabase(url, { applicationName: 'galfriday-cli', maxConnections: 4 });
    cleanups.push(() => handle.close());
    try {
      await migrate(handle.pool);
    } catch (error) {
      throw new CliError(`cannot use the database: ${(error as Error).message}`, ExitCode.UNAVAILABLE);
    }
    return handle;
  };

  const openTemporal = async (): Promise<Client> => {
    const address = config.temporalAddress ?? (await stack())?.temporalAddress;
    if (!address) {
      throw new CliError(
        'no Temporal server: start the stack with `npm start`, or set TEMPORAL_ADDRESS',
        ExitCode.UNAVAILABLE,
      );
    }
    const connection = await Connection.connect({ address, connectTimeout: 5_000 }).catch((error: Error) => {
      throw new CliError(`cannot reach Temporal at ${address}: ${error.message}`, ExitCode.UNAVAILABLE);
    });
    cleanups.push(() => connection.close());
    return new Client({ connection, namespace: config.temporalNamespace });
  };

  return {
    config,
    json,
    print(human, data) {
      process.stdout.write(json ? JSON.stringify(data ?? human, null, 2) + '\n' : human + '\n');
    },
    note(line) {
      if (!json) process.stderr.write(line + '\n');
    },
    stack,
    database: () => (database ??= openDatabase()),
    temporal: () => (temporal ??= openTemporal()),
    async temporalUiUrl() {
      return config.temporalUiUrl ?? (await stack())?.temporalUiUrl;
    },
    async close() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    },
  };
}
