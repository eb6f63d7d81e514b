import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../../src/config/config';
import { connectDatabase, type DatabaseHandle } from '../../../src/db/connection';
import { migrate } from '../../../src/db/migrator';
import { startEmbeddedPostgres, type RunningPostgres } from '../../../src/stack/embedded-postgres';
import { resolveTemporalCli } from '../../../src/temporal/cli-resolver';
import { SEARCH_ATTRIBUTES } from '../../../src/temporal/shared';
import { freePort, isPortFree } from '../../../src/util/ports';
import { startWorkerProcess, type WorkerProcess } from '../worker-process';

/** The four processes a chaos run kills with SIGKILL and starts again. */
export type ChaosTarget = 'worker' | 'router' | 'postgres' | 'temporal';
export const CHAOS_TARGETS: readonly ChaosTarget[] = ['worker', 'router', 'postgres', 'temporal'];

const REPO_ROOT = path.resolve(__dirname, '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A whole Gal-Friday stack owned by one chaos run: its own embedded PostgreSQL (a persistent cluster,
 * so that it survives a kill -9), its own Temporal dev server (a SQLite file, same port after a
 * restart), a worker process and a standalone router process. The shared test stack is never
 * touched: the run kills what it owns.
 */
export class ChaosStack {
  readonly engineToken = randomBytes(16).toString('hex');
  readonly adminToken = randomBytes(16).toString('hex');
  readonly taskQueue = 'chaos';
  /** Processes that exited without being killed by the run (noted, restarted, not a violation). */
  readonly unplannedExits: string[] = [];
  databaseUrl = '';
  routerUrl = '';
  db!: DatabaseHandle;
  client!: Client;

  private postgres?: RunningPostgres;
  private temporalChild?: ChildProcess;
  private temporalExited?: Promise<void>;
  private temporalTail: string[] = [];
  private cliPath?: string;
  private connection?: Connection;
  private worker?: WorkerProcess;
  private routerChild?: ChildProcess;
  private routerExited?: Promise<void>;
  private routerOutput = '';
  private ports!: { pg: number; temporal: number; ui: number; router: number };
  private stopping = false;

  constructor(
    private readonly workDir: string,
    private readonly bundlePath: string,
    private readonly log: (line: string) => void,
  ) {}

  get temporalAddress(): string {
    return `127.0.0.1:${this.ports.temporal}`;
  }

  async start(): Promise<void> {
    this.ports = { pg: await freePort(), temporal: await freePort(), ui: await freePort(), router: 0 };
    this.ports.router = await freePort();
    this.routerUrl = `http://127.0.0.1:${this.ports.router}`;
    await this.startPostgres();
    this.db = connectDatabase(this.databaseUrl, { applicationName: 'galfriday-chaos' });
    await migrate(this.db.pool);
    const base = loadConfig({});
    const cli = await resolveTemporalCli({
      configuredPath: base.temporalCliPath,
      cacheDir: base.cacheDir,
      searchPath: process.env.PATH,
      onProgress: (line) => this.log(line),
    });
    if (!cli) throw new Error('the chaos run needs the Temporal CLI (it kills the dev server with SIGKILL)');
    this.cliPath = cli.path;
    await this.startTemporal();
    this.connection = await Connection.connect({ address: this.temporalAddress });
    this.client = new Client({ connection: this.connection });
    await this.startWorker();
    await this.startRouter();
  }

  /** SIGKILL: no shutdown, no flush, no goodbye, as in a crashed machine. */
  async kill(target: ChaosTarget): Promise<void> {
    switch (target) {
      case 'worker':
        await this.worker?.kill();
        return;
      case 'router':
        this.routerChild?.kill('SIGKILL');
        await this.routerExited;
        return;
      case 'temporal':
        this.temporalChild?.kill('SIGKILL');
        await this.temporalExited;
        return;
      case 'postgres': {
        const pid = Number((await readFile(this.postmasterPidFile(), 'utf8')).split('\n')[0]);
        process.kill(pid, 'SIGKILL');
        while (isAlive(pid)) await sleep(50);
        return;
      }
    }
  }

  async restart(target: ChaosTarget): Promise<void> {
    switch (target) {
      case 'worker':
        return this.startWorker();
      case 'router':
        return this.startRouter();
      case 'temporal':
        return this.startTemporal();
      case 'postgres':
        return this.startPostgres();
    }
  }

  /** Starts whatever is not running (a process that died by itself is noted first). */
  async ensureUp(): Promise<void> {
    if (!this.isUp('postgres')) await this.note('postgres', () => this.startPostgres());
    if (!this.isUp('temporal')) await this.note('temporal', () => this.startTemporal());
    if (!this.isUp('worker')) await this.note('worker', () => this.startWorker());
    if (!this.isUp('router')) await this.note('router', () => this.startRouter());
  }

  isUp(target: ChaosTarget): boolean {
    switch (target) {
      case 'worker':
        return !!this.worker && this.worker.child.exitCode === null && this.worker.child.signalCode === null;
      case 'router':
        return running(this.routerChild);
      case 'temporal':
        return running(this.temporalChild);
      case 'postgres':
        return this.postgresUp;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker?.stop(10_000).catch(() => undefined);
    if (running(this.routerChild)) {
      this.routerChild!.kill('SIGTERM');
      const timer = setTimeout(() => this.routerChild?.kill('SIGKILL'), 10_000);
      await this.routerExited;
      clearTimeout(timer);
    }
    await this.connection?.close().catch(() => undefined);
    if (running(this.temporalChild)) {
      this.temporalChild!.kill('SIGTERM');
      const timer = setTimeout(() => this.temporalChild?.kill('SIGKILL'), 10_000);
      await this.temporalExited;
      clearTimeout(timer);
    }
    await this.db?.close().catch(() => undefined);
    await this.postgres?.stop().catch(() => undefined);
  }

  routerLog(): string {
    return this.routerOutput.slice(-4000);
  }

  workerLog(): string {
    return this.worker?.output().slice(-4000) ?? '';
  }

  private async note(target: ChaosTarget, start: () => Promise<void>): Promise<void> {
    this.unplannedExits.push(target);
    this.log(`chaos: ${target} was not running (exited by itself); starting it`);
    await start();
  }

  private postgresUp = false;

  private postmasterPidFile(): string {
    return path.join(this.postgres!.clusterDir, 'postmaster.pid');
  }

  private async startPostgres(): Promise<void> {
    this.postgresUp = false;
    // After a SIGKILL of the postmaster, its backends notice and exit within moments; until then the
    // port or the shared memory is still held and a new postmaster refuses to start.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if (!(await isPortFree(this.ports.pg))) throw new Error(`port ${this.ports.pg} still in use`);
        this.postgres = await startEmbeddedPostgres({
          clusterDir: path.join(this.workDir, 'postgres'),
          port: this.ports.pg,
          database: 'galfriday',
          persistent: true,
        });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
    this.databaseUrl = this.postgres.url;
    this.postgresUp = true;
    void this.watchPostgres(this.postgres);
  }

  /** The embedded-postgres handle does not say when its server dies: poll the postmaster's pid. */
  private async watchPostgres(instance: RunningPostgres): Promise<void> {
    const pid = Number(
      (await readFile(path.join(instance.clusterDir, 'postmaster.pid'), 'utf8').catch(() => '0')).split(
        '\n',
      )[0],
    );
    while (this.postgres === instance && !this.stopping) {
      if (!pid || !isAlive(pid)) {
        if (this.postgres === instance) this.postgresUp = false;
        return;
      }
      await sleep(200);
    }
  }

  private async startTemporal(): Promise<void> {
    const args = [
      'server',
      'start-dev',
      '--db-filename',
      path.join(this.workDir, 'temporal.sqlite'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.ports.temporal),
      '--ui-port',
      String(this.ports.ui),
      '--namespace',
      'default',
      '--log-level',
      'warn',
      ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
        '--search-attribute',
        `${name}=${type}`,
      ]),
    ];
    const deadline = Date.now() + 90_000;
    while (!(await isPortFree(this.ports.temporal)) || !(await isPortFree(this.ports.ui))) {
      if (Date.now() > deadline) throw new Error('the Temporal ports stay in use after the kill');
      await sleep(250);
    }
    const child = spawn(this.cliPath!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.temporalTail = [];
    const onData = (chunk: Buffer) => {
      this.temporalTail.push(...chunk.toString().split('\n').filter(Boolean));
      this.temporalTail.splice(0, Math.max(0, this.temporalTail.length - 30));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.temporalChild = child;
    this.temporalExited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (;;) {
      if (!running(child))
        throw new Error(`the Temporal dev server exited:\n${this.temporalTail.join('\n')}`);
      // Lazy, so that a probe that fails to connect is closed too (Connection.connect leaves its channel open).
      const connection = Connection.lazy({ address: this.temporalAddress, connectTimeout: 1_000 });
      try {
        await connection.ensureConnected();
        await connection.workflowService.getSystemInfo({});
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`the Temporal dev server did not answer:\n${this.temporalTail.join('\n')}`);
        await sleep(250);
      } finally {
        await connection.close();
      }
    }
  }

  private async startWorker(): Promise<void> {
    // Type-checking is done by the test's own compilation; the child only needs to run the code.
    const saved = process.env.TS_NODE_TRANSPILE_ONLY;
    process.env.TS_NODE_TRANSPILE_ONLY = 'true';
    const starting = startWorkerProcess({
      databaseUrl: this.databaseUrl,
      temporalAddress: this.temporalAddress,
      taskQueue: this.taskQueue,
      bundlePath: this.bundlePath,
      readyTimeoutMs: 120_000,
    });
    if (saved === undefined) delete process.env.TS_NODE_TRANSPILE_ONLY;
    else process.env.TS_NODE_TRANSPILE_ONLY = saved;
    this.worker = await starting;
  }

  private async startRouter(): Promise<void> {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/routing/router-main.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: this.databaseUrl,
          TEMPORAL_ADDRESS: this.temporalAddress,
          ROUTER_HOST: '127.0.0.1',
          ROUTER_PORT: String(this.ports.router),
          GALFRIDAY_ENGINE_TOKEN: this.engineToken,
          GALFRIDAY_ADMIN_TOKEN: this.adminToken,
          GALFRIDAY_DATA_DIR: path.join(this.workDir, 'router-data'),
          GALFRIDAY_FLUSH_INTERVAL: '200ms',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      this.routerOutput = (this.routerOutput + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.routerChild = child;
    this.routerExited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (!running(child)) throw new Error(`the router exited before it was ready:\n${this.routerLog()}`);
      const ready = await fetch(`${this.routerUrl}/readyz`).catch(() => undefined);
      if (ready?.status === 200) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the router was not ready within 90 s:\n${this.routerLog()}`);
      }
      await sleep(250);
    }
  }
}

function running(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
