import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/util/ports';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  ADMIN_TOKEN,
  countRows,
  ENGINE_TOKEN,
  featuresFor,
  seedModel,
  waitFor,
} from './support/routing-fixtures';

const ROOT = path.join(__dirname, '../../..');

function runRouterMain(
  env: NodeJS.ProcessEnv,
  stdout: 'pipe' | number = 'pipe',
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/routing/router-main.ts'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', stdout, 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('routing service: router-main (standalone process)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let dataDir: string;

  before(async () => {
    database = await createTestDatabase();
    await seedModel(database.db, { versions: 1, champion: 1 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'router-main-'));
  });
  const routerEnv = (port: number): NodeJS.ProcessEnv => ({
    DATABASE_URL: database.url,
    ROUTER_HOST: '127.0.0.1',
    ROUTER_PORT: String(port),
    GALFRIDAY_ENGINE_TOKEN: ENGINE_TOKEN,
    GALFRIDAY_ADMIN_TOKEN: ADMIN_TOKEN,
    GALFRIDAY_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  });
  after(async () => {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves, and on SIGTERM drains and flushes its buffered logs before exiting 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // An hour-long flush interval: only the shutdown flush can have written these rows.
    const router = runRouterMain({ ...routerEnv(port), GALFRIDAY_FLUSH_INTERVAL: '1h' });
    try {
      await waitFor(
        async () =>
          (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
        30_000,
        `router-main to be ready\n${router.output()}`,
      );
      for (let i = 0; i < 20; i++) {
        const response = await fetch(`${url}/v1/predict`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ENGINE_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'btc-1h', unitId: `u${i}`, features: featuresFor(i) }),
        });
        assert.equal(response.status, 200);
      }
      assert.equal(await countRows(database.db, 'predictions'), 0);
      router.child.kill('SIGTERM');
      assert.equal(await router.exited, 0, router.output());
      assert.equal(await countRows(database.db, 'predictions'), 20);
      assert.match(router.output(), /"signal":"SIGTERM","msg":"stopping"/);
      assert.match(router.output(), /"msg":"logs flushed"/);
    } finally {
      if (router.child.exitCode === null) router.child.kill('SIGKILL');
    }
  });

  it('with ROUTER_DRAIN_DELAY, a stopping router keeps serving (readiness failing, Connection: close) for the delay, then exits 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const router = runRouterMain({ ...routerEnv(port), ROUTER_DRAIN_DELAY: '1500ms' });
    const predict = (i: number): Promise<Response> =>
      fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ENGINE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'btc-1h', unitId: `drain-${i}`, features: featuresFor(i) }),
      });
    try {
      await waitFor(
        async () =>
          (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
        30_000,
        `router-main to be ready\n${router.output()}`,
      );
      const before = await predict(0);
      assert.equal(before.status, 200);
      assert.notEqual(before.headers.get('connection'), 'close');
      const stoppedAt = Date.now();
      router.child.kill('SIGTERM');
      await waitFor(
        async () => ((await fetch(`${url}/readyz`)).status === 503 ? true : undefined),
        1_000,
        'readiness to fail once draining',
      );
      const during = await predict(1);
      assert.equal(during.status, 200, 'still served while draining');
      assert.equal(during.headers.get('connection'), 'close');
      assert.equal(await router.exited, 0, router.output());
      assert.ok(Date.now() - stoppedAt >= 1_400, 'the listener stayed open for the drain delay');
      await assert.rejects(predict(2), 'refused once stopped');
      assert.match(router.output(), /"delayMs":1500,"msg":"draining before closing the listener"/);
    } finally {
      if (router.child.exitCode === null) router.child.kill('SIGKILL');
    }
  });

  // A full disk (/dev/full answers every write with ENOSPC) and a closed pipe (EPIPE): log lines are
  // dropped and counted, the router keeps serving, and its buffered rows are still written.
  for (const output of ['ENOSPC', 'EPIPE'] as const) {
    it(`keeps serving and flushing when stdout fails with ${output}, counting the dropped log lines`, async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const fd = output === 'ENOSPC' ? openSync('/dev/full', 'w') : 'pipe';
      const before = await countRows(database.db, 'predictions');
      const router = runRouterMain(
        { ...routerEnv(port), LOG_LEVEL: 'debug', GALFRIDAY_FLUSH_INTERVAL: '1h' },
        fd,
      );
      if (typeof fd === 'number') closeSync(fd);
      // Nobody reads the pipe any more: the next write fails with EPIPE.
      else router.child.stdout!.destroy();
      try {
        await waitFor(
          async () =>
            (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
          30_000,
          `router-main to be ready\n${router.output()}`,
        );
        for (let i = 0; i < 10; i++) {
          const response = await fetch(`${url}/v1/predict`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ENGINE_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'btc-1h', unitId: `full-${i}`, features: featuresFor(i) }),
          });
          assert.equal(response.status, 200);
        }
        const metrics = await (
          await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        ).text();
        const dropped = /galfriday_router_log_lines_dropped_total\{reason="error"\} (\d+)/.exec(metrics);
        assert.ok(dropped !== null && Number(dropped[1]) > 0, metrics);
        router.child.kill('SIGTERM');
        assert.equal(await router.exited, 0, router.output());
        assert.equal(await countRows(database.db, 'predictions'), before + 10);
      } finally {
        if (router.child.exitCode === null) router.child.kill('SIGKILL');
      }
    });
  }

  it('refuses to start without DATABASE_URL, naming it, with exit code 2', async () => {
    const router = runRouterMain({ GALFRIDAY_DATA_DIR: dataDir });
    assert.equal(await router.exited, 2);
    assert.match(
      router.output(),
      /galfriday router: DATABASE_URL: expected to be set for a standalone router/,
    );
  });
});
