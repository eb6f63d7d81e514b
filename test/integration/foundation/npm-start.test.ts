import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, chmod, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/util/ports';
import { processesUsing, ROOT, stackEnv, startProcess, startStack, waitFor } from './npm-start-process';

describe('npm start', function () {
  this.timeout(240_000);
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let engineToken: string | undefined;

  before(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-start-'));
    await chmod(dir, 0o755);
    dataDir = path.join(dir, 'data');
    env = await stackEnv(dataDir);
  });
  after(async () => rm(path.dirname(dataDir), { recursive: true, force: true }));

  it('starts the whole stack, runs the health check visible in the Temporal UI, seeds the demo, and stops cleanly on Ctrl-C', async () => {
    const stack = startStack(env);
    try {
      await waitFor(stack, /galfriday is ready\./, 180_000);
      await waitFor(
        stack,
        /Demo: a simulated engine now trades btc-demo and eth-demo through the router/,
        120_000,
      );
      assert.match(stack.output(), /Health check passed: PostgreSQL \d+/);

      const query = encodeURIComponent('WorkflowType="healthCheckWorkflow"');
      const response = await fetch(
        `http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/namespaces/default/workflows?query=${query}`,
      );
      const body = (await response.json()) as { executions: Array<{ status: string }> };
      assert.equal(body.executions[0]?.status, 'WORKFLOW_EXECUTION_STATUS_COMPLETED');
      const health = await fetch(`http://127.0.0.1:${env.ROUTER_PORT}/healthz`);
      assert.equal(health.status, 200);
      // The dashboard is its own app on its own port, printed with the others; not on the router.
      assert.match(stack.output(), new RegExp(`Dashboard +http://127\\.0\\.0\\.1:${env.DASHBOARD_PORT}/ui`));
      const login = await fetch(`http://127.0.0.1:${env.DASHBOARD_PORT}/ui/login`);
      assert.equal(login.status, 200);
      assert.match(await login.text(), /<form/);
      assert.equal((await fetch(`http://127.0.0.1:${env.ROUTER_PORT}/ui/login`)).status, 404);
      // Generated on this first start, and shown on this start only.
      const printedToken = /Engine token {2}(\S{16,})/.exec(stack.output())?.[1];
      const printedAdminToken = /Admin token {3}(\S{16,})/.exec(stack.output())?.[1];
      assert.ok(printedToken && printedAdminToken, stack.output());
      assert.match(stack.output(), /generated now and shown this once; kept in .*tokens\.json, mode 0600/);
      // Kept readable by the owner only, and reused by every later start.
      const tokensFile = path.join(dataDir, 'tokens.json');
      assert.equal((await stat(tokensFile)).mode & 0o777, 0o600);
      const stored = JSON.parse(await readFile(tokensFile, 'utf8'));
      assert.equal(stored.engineToken, printedToken);
      assert.equal(stored.adminToken, printedAdminToken);
      engineToken = printedToken;

      // `galfriday router` finds the running stack and serves beside its router, on another port.
      const secondRouterPort = await freePort();
      const secondRouter = startProcess(
        process.execPath,
        [path.join(ROOT, 'bin', 'galfriday'), 'router', '--port', String(secondRouterPort)],
        env,
      );
      const another = secondRouter.child;
      try {
        await waitFor(secondRouter, /Router listening on/, 60_000);
        const ready = await fetch(`http://127.0.0.1:${secondRouterPort}/readyz`);
        assert.equal(ready.status, 200, secondRouter.output());
        const unknownModel = await fetch(`http://127.0.0.1:${secondRouterPort}/v1/route`, {
          method: 'POST',
          headers: { authorization: `Bearer ${printedToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'no-such-model', unitId: 'u' }),
        });
        assert.equal(unknownModel.status, 404, 'the stack’s token is accepted; the model is unknown');
        another.kill('SIGINT');
        assert.equal(await secondRouter.exited, 0, secondRouter.output());
      } finally {
        another.kill('SIGKILL');
      }

      const second = spawnSync(process.execPath, ['-r', 'ts-node/register', 'src/stack/start-main.ts'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      assert.equal(second.status, 2);
      assert.match(second.stderr, /a galfriday stack is already running on .* \(pid \d+\)/);

      const status = spawnSync(path.join(ROOT, 'bin', 'galfriday'), ['stack', '--json'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      assert.equal(status.status, 0, status.stderr);
      assert.equal(JSON.parse(status.stdout).temporalAddress, `127.0.0.1:${env.TEMPORAL_PORT}`);

      stack.child.kill('SIGINT');
      assert.equal(await stack.exited, 0);
      assert.match(stack.output(), /Stopped\./);
      assert.deepEqual(processesUsing(dataDir), []);
    } finally {
      stack.child.kill('SIGKILL');
    }
  });

  it('reuses the data on a second start, and runs the bare stack with --no-demo', async () => {
    const stack = startStack(env, ['--no-demo']);
    try {
      await waitFor(stack, /Press Ctrl-C to stop\./, 120_000);
      assert.match(stack.output(), /Schema up to date \(0 applied now, \d+ before\)/);
      assert.match(stack.output(), /Demo off/);
      // The tokens are not shown again: the line says where they are kept.
      assert.ok(!stack.output().includes(engineToken!), 'no token on a later start');
      assert.doesNotMatch(stack.output(), /Engine token|Admin token/);
      assert.ok(
        stack.output().includes(`Tokens        kept in ${path.join(dataDir, 'tokens.json')} (mode 0600`),
        stack.output(),
      );
      // …and they are the same tokens as before: the router still accepts the first start's token.
      const unknownModel = await fetch(`http://127.0.0.1:${env.ROUTER_PORT}/v1/route`, {
        method: 'POST',
        headers: { authorization: `Bearer ${engineToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'no-such-model', unitId: 'u' }),
      });
      assert.equal(unknownModel.status, 404);
      stack.child.kill('SIGTERM');
      assert.equal(await stack.exited, 0);
      assert.deepEqual(processesUsing(dataDir), []);
    } finally {
      stack.child.kill('SIGKILL');
    }
  });

  it('stops with one clear line when the configuration is wrong', () => {
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register', 'src/stack/start-main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, TEMPORAL_UI_PORT: 'eighty' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      'galfriday: TEMPORAL_UI_PORT: expected a TCP port from 1 to 65535 for the Web UI, got "eighty"\n',
    );
  });
});
