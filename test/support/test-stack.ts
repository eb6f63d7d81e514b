import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/config';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connection';
import { migrate } from '../../src/db/migrator';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/stack/embedded-postgres';
import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startTemporalDevServer, type RunningTemporal } from '../../src/temporal/dev-server';
import { freePort } from '../../src/util/ports';
import { installTemporalRuntime } from '../../src/workers/runtime';

/** The servers shared by every integration test of one run. */
export interface TestStack {
  /** Server-level URL (database `postgres`); tests make their own databases with {@link createTestDatabase}. */
  readonly postgresUrl: string;
  readonly temporalAddress: string;
  readonly temporalUiUrl: string;
  readonly workDir: string;
  /** A configuration pointing at these servers, for code under test that takes a Config. */
  config(overrides?: NodeJS.ProcessEnv): Config;
}

/**
 * `npm run test:unit` sets GALFRIDAY_TEST_NO_SERVERS=1: a unit test that asks for a server then
 * fails, naming what it asked for, instead of quietly starting one.
 */
export function refuseServersInUnitRun(what: string): void {
  if (process.env.GALFRIDAY_TEST_NO_SERVERS === '1')
    throw new Error(`${what} asked for under GALFRIDAY_TEST_NO_SERVERS=1: unit tests start no server`);
}

let starting: Promise<{ stack: TestStack; stop: () => Promise<void> }> | undefined;

/**
 * Starts one embedded PostgreSQL and one Temporal dev server on free ports in a temporary directory,
 * the first time an integration test asks; the root hook stops them after the run.
 */
export async function getTestStack(): Promise<TestStack> {
  refuseServersInUnitRun('PostgreSQL and the Temporal dev server');
  starting ??= startTestStack();
  return (await starting).stack;
}

export async function stopTestStack(): Promise<void> {
  if (!starting) return;
  const started = await starting.catch(() => undefined);
  starting = undefined;
  await started?.stop();
}

async function startTestStack() {
  installTemporalRuntime('WARN');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-test-'));
  // mkdtemp makes the directory private; the `postgres` user that runs the server as root must traverse it.
  await chmod(workDir, 0o755);
  let postgres: RunningPostgres | undefined;
  let temporal: RunningTemporal | undefined;
  try {
    postgres = await startEmbeddedPostgres({
      clusterDir: path.join(workDir, 'postgres'),
      port: await freePort(),
      database: 'postgres',
      persistent: false,
    });
    const baseConfig = loadConfig({});
    const cli = await resolveTemporalCli({
      configuredPath: baseConfig.temporalCliPath,
      cacheDir: baseConfig.cacheDir,
      searchPath: process.env.PATH,
      onProgress: (line) => console.log(line),
    });
    temporal = await startTemporalDevServer({
      cliPath: cli?.path,
      dbFile: path.join(workDir, 'temporal.sqlite'),
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      // The suite runs dozens of workers against this one server (several per test file, worker
      // processes in the chaos and durability tests); past 1200 long polls the server refused new
      // ones and a test's training waited unclaimed for minutes (reproduced with 150 idle workers).
      maxConcurrentPolls: 20_000,
    });
    const postgresUrl = postgres.url;
    const runningTemporal = temporal;
    const stack: TestStack = {
      postgresUrl,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      workDir,
      config: (overrides = {}) =>
        loadConfig({
          DATABASE_URL: postgresUrl,
          TEMPORAL_ADDRESS: runningTemporal.address,
          GALFRIDAY_DATA_DIR: path.join(workDir, 'data'),
          ...overrides,
        }),
    };
    const runningPostgres = postgres;
    return {
      stack,
      stop: async () => {
        await runningTemporal.stop();
        await runningPostgres.stop();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await temporal?.stop();
    await postgres?.stop();
    throw error;
  }
}

let databaseCounter = 0;

export interface TestDatabase extends DatabaseHandle {
  readonly url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh database on the shared server, migrated unless `migrated: false`. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const stack = await getTestStack();
  const name = `test_${process.pid}_${++databaseCounter}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: stack.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = stack.postgresUrl.replace(/\/postgres$/, `/${name}`);
  const handle = connectDatabase(url, { applicationName: 'galfriday-test' });
  if (options.migrated !== false) await migrate(handle.pool);
  return {
    ...handle,
    url,
    async drop() {
      await handle.close();
      const dropper = new pg.Client({ connectionString: stack.postgresUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
