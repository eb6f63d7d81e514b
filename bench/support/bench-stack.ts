// Servers for the lifecycle benches: an embedded PostgreSQL (migrated) and, when asked, a Temporal
// dev server, both on free ports of 127.0.0.1 in a temporary directory that is removed on stop.
// The same building blocks as test/support/test-stack.ts, but one database per bench and nothing
// downloaded: without a local Temporal CLI (TEMPORAL_CLI_PATH, PATH or the cached build) the bench
// stops instead of letting the SDK fetch one from the internet.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/config';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connection';
import { migrate } from '../../src/db/migrator';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/stack/embedded-postgres';
import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startTemporalDevServer, type RunningTemporal } from '../../src/temporal/dev-server';
import { freePort } from '../../src/util/ports';
import { installTemporalRuntime } from '../../src/workers/runtime';

export interface BenchStackOptions {
  /** Also start a Temporal dev server (and install the worker runtime). @default false */
  temporal?: boolean;
  /** Database created on the embedded server. @default 'galfriday_bench' */
  database?: string;
  /** Pool size of {@link BenchStack.database}. @default 10 */
  maxConnections?: number;
  log?: (line: string) => void;
}

export interface BenchStack {
  /** URL of the bench database (migrated). */
  readonly postgresUrl: string;
  /** A pooled connection to it, closed by {@link BenchStack.stop}. */
  readonly database: DatabaseHandle;
  /** `host:port` of the Temporal frontend; undefined without `temporal: true`. */
  readonly temporalAddress: string | undefined;
  readonly workDir: string;
  /** Seconds each server took to come up, for the bench's header. */
  readonly startup: { postgresS: number; migrateS: number; temporalS: number | undefined };
  /** Closes the pool, stops Temporal, then PostgreSQL, and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the servers; on failure stops whatever had started and rethrows. */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Not `galfriday-*`: a long bench must not be swept by a clean-up of leftover test directories
  // (a 10-million-row run once lost its cluster that way). BENCH_TMPDIR moves it elsewhere.
  const workDir = await mkdtemp(path.join(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'lifecycle-bench-'));
  // mkdtemp makes the directory private; the `postgres` user that runs the server as root must traverse it.
  await chmod(workDir, 0o755);
  let postgres: RunningPostgres | undefined;
  let temporal: RunningTemporal | undefined;
  let database: DatabaseHandle | undefined;
  const seconds = (since: number) => (performance.now() - since) / 1000;
  try {
    let t0 = performance.now();
    postgres = await startEmbeddedPostgres({
      clusterDir: path.join(workDir, 'postgres'),
      port: await freePort(),
      database: options.database ?? 'galfriday_bench',
      persistent: false,
    });
    const postgresS = seconds(t0);
    t0 = performance.now();
    database = connectDatabase(postgres.url, {
      applicationName: 'galfriday-bench',
      maxConnections: options.maxConnections ?? 10,
    });
    await migrate(database.pool);
    const migrateS = seconds(t0);
    let temporalS: number | undefined;
    if (options.temporal) {
      t0 = performance.now();
      installTemporalRuntime('WARN');
      const config = loadConfig({});
      const cli = await resolveTemporalCli({
        configuredPath: config.temporalCliPath,
        cacheDir: config.cacheDir,
        searchPath: process.env.PATH,
        onProgress: log,
      });
      if (!cli) {
        throw new Error(
          'no Temporal CLI found (TEMPORAL_CLI_PATH, `temporal` on PATH, or the cached build); ' +
            'the bench does not download one — run `npm run setup` or set TEMPORAL_CLI_PATH',
        );
      }
      temporal = await startTemporalDevServer({
        cliPath: cli.path,
        dbFile: path.join(workDir, 'temporal.sqlite'),
        ip: '127.0.0.1',
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'default',
      });
      temporalS = seconds(t0);
    }
    const running = { postgres, temporal, database };
    let stopping: Promise<void> | undefined;
    return {
      postgresUrl: postgres.url,
      database,
      temporalAddress: temporal?.address,
      workDir,
      startup: { postgresS, migrateS, temporalS },
      stop() {
        stopping ??= (async () => {
          await running.database.close().catch(() => undefined);
          await running.temporal?.stop().catch(() => undefined);
          await running.postgres.stop().catch(() => undefined);
          await rm(workDir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await database?.close().catch(() => undefined);
    await temporal?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs a bench body with the stack, stopping the stack afterwards — also on an error and on
 * Ctrl-C/SIGTERM, so that no server outlives the bench.
 */
export async function withBenchStack(
  options: BenchStackOptions,
  body: (stack: BenchStack) => Promise<void>,
): Promise<void> {
  const stack = await startBenchStack(options);
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the bench servers…`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await body(stack);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.stop();
  }
}

/** Milliseconds since `start` (performance.now()). */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints rows as an aligned text table; numbers are right-aligned. */
export function printTable(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): void {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? '').length)));
  const numeric = headers.map((_, j) =>
    rows.every((r) => typeof r[j] === 'number' || /^[-+]?[\d.,]+/.test(String(r[j] ?? ''))),
  );
  const line = (r: readonly string[]) =>
    '  ' + r.map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ');
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

/** `1234.5` → `"1,234.5"` with a fixed number of decimals. */
export function fmt(value: number, decimals = 0): string {
  return value.toLocaleString('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
