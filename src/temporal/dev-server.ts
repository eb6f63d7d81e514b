import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { isPortFree } from '../util/ports';
import { SEARCH_ATTRIBUTES } from './shared';

export interface DevServerOptions {
  /** The CLI to run; undefined means "let the SDK download and run one" (needs internet access). */
  cliPath: string | undefined;
  /** SQLite file that keeps workflows between runs. */
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** @default '127.0.0.1' */
  ip?: string;
  onLog?: (line: string) => void;
  /**
   * Concurrent long polls the namespace accepts (dynamic config `frontend.namespaceCount`, 1200 by
   * default). Every worker holds up to ~20 (its workflow and activity pollers, twice with a training
   * worker); a process running many workers at once, as the test suite does, needs more, or polls are
   * refused with "namespace concurrent poller limit exceeded" and tasks wait unclaimed.
   */
  maxConcurrentPolls?: number;
}

export interface RunningTemporal {
  readonly address: string;
  readonly uiUrl: string;
  stop(): Promise<void>;
}

function searchAttributeArgs(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
}

function dynamicConfigArgs(options: DevServerOptions): string[] {
  return options.maxConcurrentPolls === undefined
    ? []
    : ['--dynamic-config-value', `frontend.namespaceCount=${options.maxConcurrentPolls}`];
}

/**
 * Starts `temporal server start-dev` (real Temporal with the Web UI, workflows kept in a SQLite file),
 * registers the project's search attributes, and resolves once the frontend answers.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningTemporal> {
  const ip = options.ip ?? '127.0.0.1';
  for (const [what, port] of [
    ['frontend', options.port],
    ['Web UI', options.uiPort],
  ] as const) {
    if (!(await isPortFree(port, ip))) {
      throw new Error(
        `cannot start the Temporal dev server: ${what} port ${port} is already in use ` +
          `(another galfriday stack or Temporal server?); set ${what === 'frontend' ? 'TEMPORAL_PORT' : 'TEMPORAL_UI_PORT'} or TEMPORAL_ADDRESS`,
      );
    }
  }
  await mkdir(path.dirname(options.dbFile), { recursive: true });
  const address = `${ip}:${options.port}`;
  const uiUrl = `http://${ip === '0.0.0.0' ? 'localhost' : ip === '127.0.0.1' ? 'localhost' : ip}:${options.uiPort}`;
  if (!options.cliPath) return startWithSdkDownload(options, address, uiUrl);

  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...searchAttributeArgs(),
    ...dynamicConfigArgs(options),
  ];
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop the server after the worker.
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    await waitUntilServing(address, exited, () => tail.join('\n'));
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return {
    address,
    uiUrl,
    stop: () => stopChild(child, exited),
  };
}

async function waitUntilServing(
  address: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`the Temporal dev server exited (code ${exitCode}):\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline)
        throw new Error(`the Temporal dev server did not answer on ${address} within 90 s:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function startWithSdkDownload(
  options: DevServerOptions,
  address: string,
  uiUrl: string,
): Promise<RunningTemporal> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: options.ip ?? '127.0.0.1',
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: options.namespace,
      extraArgs: [...searchAttributeArgs(), ...dynamicConfigArgs(options)],
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}
