import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ADMIN_TOKEN,
  countRows,
  ENGINE_TOKEN,
  seedModel,
  startExperiment,
} from '../routing/support/routing-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const BIN = path.resolve(__dirname, '../../../bin/galfriday');

interface RouterProcess {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

function runRouterCommand(args: string[], env: NodeJS.ProcessEnv): RouterProcess {
  const child = spawn(process.execPath, [BIN, 'router', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function listeningUrl(router: RouterProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /Router listening on (http:\/\/\S+)/.exec(router.output().stdout);
    if (match) return match[1]!;
    if (router.child.exitCode !== null) throw new Error(`router exited: ${router.output().stderr}`);
    if (Date.now() > deadline) throw new Error(`router did not start: ${JSON.stringify(router.output())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// `galfriday router`: a routing service in the foreground, as an operator runs a second instance
// beside the stack's, stopped with Ctrl-C.
describe('galfriday router (real Postgres, real HTTP, a child process)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const running: RouterProcess[] = [];

  before(async () => {
    database = await createTestDatabase();
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-cli-router-'));
    env = {
      DATABASE_URL: database.url,
      GALFRIDAY_DATA_DIR: dir,
      GALFRIDAY_ENGINE_TOKEN: ENGINE_TOKEN,
      GALFRIDAY_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      // Nothing is written before shutdown: the row found afterwards was flushed by Ctrl-C.
      GALFRIDAY_FLUSH_INTERVAL: '10m',
    };
  });
  after(async () => {
    for (const router of running) if (router.child.exitCode === null) router.child.kill('SIGKILL');
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the engine API until SIGINT, then writes its batched logs (even when signalled again) and exits 0', async () => {
    // The drain delay keeps the stop going long enough for a second signal to land inside it.
    const router = runRouterCommand(['--host', '127.0.0.1', '--port', '0'], {
      ...env,
      ROUTER_DRAIN_DELAY: '1s',
    });
    running.push(router);
    const url = await listeningUrl(router, 60_000);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const routed = await fetch(`${url}/v1/route`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ENGINE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'btc-1h', unitId: 'cli-unit' }),
    });
    assert.equal(routed.status, 200);
    const { assignmentId } = (await routed.json()) as { assignmentId: string };
    assert.match(assignmentId, /^[0-9a-f-]{36}$/);
    assert.equal(await countRows(database.db, 'experiment_assignments'), 0);

    // An impatient second signal must not cut the flush short.
    router.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    router.child.kill('SIGTERM');
    assert.equal(await router.exited, 0, router.output().stderr);
    const stored = await database.db
      .selectFrom('experiment_assignments')
      .select(['unit_id'])
      .where('assignment_id', '=', assignmentId)
      .executeTakeFirst();
    assert.deepEqual(stored, { unit_id: 'cli-unit' });
  });

  it('refuses a port in use with a clear message and exit code 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const router = runRouterCommand(['--host', '127.0.0.1', '--port', String(port)], env);
      running.push(router);
      assert.equal(await router.exited, 2);
      assert.match(
        router.output().stderr,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE`),
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses a bad port, and starting without any PostgreSQL, naming what to do', async () => {
    const badPort = runRouterCommand(['--port', '70000'], env);
    running.push(badPort);
    assert.equal(await badPort.exited, 2);
    assert.match(badPort.output().stderr, /--port must be a whole number from 0 to 65535, got "70000"/);

    const exponent = runRouterCommand(['--port', '1e3'], env);
    running.push(exponent);
    assert.equal(await exponent.exited, 2);
    assert.match(exponent.output().stderr, /--port must be a whole number from 0 to 65535, got "1e3"/);

    const unresolvable = runRouterCommand(['--host', 'no-such-host.invalid', '--port', '0'], env);
    running.push(unresolvable);
    assert.equal(await unresolvable.exited, 2);
    assert.match(unresolvable.output().stderr, /cannot resolve the address no-such-host\.invalid/);

    const noDatabase = runRouterCommand([], { GALFRIDAY_DATA_DIR: dir });
    running.push(noDatabase);
    assert.equal(await noDatabase.exited, 5);
    const unreachable = runRouterCommand([], {
      ...env,
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    running.push(unreachable);
    assert.equal(await unreachable.exited, 5);
    assert.match(unreachable.output().stderr, /cannot use PostgreSQL from DATABASE_URL: .*ECONNREFUSED/);

    assert.match(
      noDatabase.output().stderr,
      /no PostgreSQL for the router: start the stack with `npm start`, or set DATABASE_URL/,
    );
  });
});
