/**
 * A Gal-Friday worker as a standalone process, for tests that must kill a worker for real (SIGKILL:
 * no shutdown, no final heartbeat, no activity failure reported — exactly a crashed machine).
 *
 *   node -r ts-node/register test/support/worker-process.ts
 *
 * Environment:
 * - GF_WORKER_DATABASE_URL      the database the activities use
 * - GF_WORKER_TEMPORAL_ADDRESS  host:port of the Temporal frontend
 * - GF_WORKER_TASK_QUEUE        the task queue to poll
 * - GF_WORKER_NAMESPACE         optional, default `default`
 * - GF_WORKER_BUNDLE_PATH       optional: a prebuilt workflow bundle (its code file); otherwise the
 *                               workflows are bundled at start, which takes seconds
 *
 * Prints one line `WORKER_READY <pid>` on stdout once the worker polls, so that the parent knows
 * when it may rely on it. Stops cleanly on SIGTERM/SIGINT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { connectDatabase } from '../../src/db/connection';
import { createGalfridayWorker } from '../../src/workers/create-worker';
import { installTemporalRuntime } from '../../src/workers/runtime';

export const WORKER_READY = 'WORKER_READY';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcessOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  namespace?: string;
  /** Code of a prebuilt workflow bundle (`getWorkflowBundle()`), written to this path for the child. */
  bundlePath?: string;
  /** @default 60 s (ts-node compiles the sources on first start) */
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the child has gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: the worker dies mid-task, as in a machine crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait (a graceful stop; SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Writes the code of a workflow bundle where a worker process can load it. */
export async function writeBundle(code: string, file: string): Promise<string> {
  await writeFile(file, code);
  return file;
}

/** Starts a worker in a child process and resolves once it polls its task queue. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', __filename], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      GF_WORKER_DATABASE_URL: options.databaseUrl,
      GF_WORKER_TEMPORAL_ADDRESS: options.temporalAddress,
      GF_WORKER_TASK_QUEUE: options.taskQueue,
      GF_WORKER_NAMESPACE: options.namespace ?? 'default',
      ...(options.bundlePath ? { GF_WORKER_BUNDLE_PATH: options.bundlePath } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`worker process not ready after ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`),
        ),
      options.readyTimeoutMs ?? 60_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(WORKER_READY)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${String(how)}) before it was ready:\n${output}`));
    });
  });
  const handle: WorkerProcess = {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await ready;
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return handle;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

async function main(): Promise<void> {
  const databaseUrl = required('GF_WORKER_DATABASE_URL');
  const address = required('GF_WORKER_TEMPORAL_ADDRESS');
  const taskQueue = required('GF_WORKER_TASK_QUEUE');
  const namespace = process.env.GF_WORKER_NAMESPACE || 'default';
  const bundlePath = process.env.GF_WORKER_BUNDLE_PATH;

  installTemporalRuntime('WARN');
  const database = connectDatabase(databaseUrl, { applicationName: 'galfriday-test-worker' });
  const connection = await NativeConnection.connect({ address });
  const worker = await createGalfridayWorker({
    connection,
    namespace,
    taskQueue,
    deps: { db: database.db },
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  const running = worker.run();
  console.log(`${WORKER_READY} ${process.pid}`);
  try {
    await running;
  } finally {
    await connection.close();
    await database.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(
        `worker-process: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exit(1);
    },
  );
}
