import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/util/ports';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const BIN = path.resolve(__dirname, '../../../bin/galfriday');
const ADMIN_TOKEN = 'admin-token-for-the-dashboard-command-0123';

// `galfriday dashboard`: the operator dashboard as its own process (as in production), stopped with Ctrl-C.
describe('galfriday dashboard (real Postgres, real HTTP, a child process)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let dir: string;

  before(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-cli-dashboard-'));
  });
  after(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the login page and the admin-token pages on its own port, and stops on SIGINT', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'dashboard', '--port', String(port)], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: database.url,
        GALFRIDAY_DATA_DIR: dir,
        GALFRIDAY_ENGINE_TOKEN: 'engine-token-for-the-dashboard-command-0123',
        GALFRIDAY_ADMIN_TOKEN: ADMIN_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/Dashboard listening on (http:\/\/\S+)\/ui/.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`dashboard exited: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`dashboard did not start: ${stdout} ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const base = /Dashboard listening on (http:\/\/\S+)\/ui/.exec(stdout)![1]!;
      assert.equal(base, `http://127.0.0.1:${port}`);
      const login = await fetch(`${base}/ui/login`);
      assert.equal(login.status, 200);
      assert.match(await login.text(), /Operator login/);
      const overview = await fetch(`${base}/ui`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(overview.status, 200, 'the admin token from GALFRIDAY_ADMIN_TOKEN opens it');
      const engine = await fetch(`${base}/ui`, {
        headers: { authorization: 'Bearer engine-token-for-the-dashboard-command-0123' },
      });
      assert.equal(engine.status, 401, 'the engine token does not');
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
