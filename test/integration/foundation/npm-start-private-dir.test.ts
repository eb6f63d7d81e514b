import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processesUsing, ROOT, stackEnv, startProcess, waitFor, type Started } from './npm-start-process';

/**
 * Many people run as root (cloud VMs, containers, CI), where PostgreSQL runs as a `postgres` user that
 * cannot enter a private directory such as /root. A clone there used to fail at its first start
 * (initdb in node_modules: EACCES) and, once its cluster had moved out of reach, at every later one.
 */
describe('npm start from a clone in a private (0700) directory (the bug was as root)', function () {
  this.timeout(300_000);
  let privateDir: string | undefined;
  let clone: string;
  let dataDir: string | undefined;
  let env: NodeJS.ProcessEnv;
  const started: Started[] = [];

  const isRoot = process.getuid?.() === 0;

  before(async () => {
    if (!isRoot) {
      console.log(
        '      (not root: the root-specific checks are skipped, since only root runs PostgreSQL as another user; ' +
          'the stack must still start twice from a private directory)',
      );
    }
    privateDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-private-'));
    await chmod(privateDir, 0o700);
    clone = path.join(privateDir, 'clone');
    await copyTrackedFiles(ROOT, clone);
    // Hard links: node_modules lies inside the private directory, as after `npm install` there, in a second.
    const linked = spawnSync('cp', [
      '-al',
      path.join(ROOT, 'node_modules'),
      path.join(clone, 'node_modules'),
    ]);
    if (linked.status !== 0) {
      // Without root, protected_hardlinks forbids linking files of another owner; nothing then depends
      // on where node_modules lies, so a symlink does.
      assert.ok(!isRoot, String(linked.stderr));
      await rm(path.join(clone, 'node_modules'), { recursive: true, force: true });
      await symlink(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    }
    const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: clone, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    dataDir = path.join(clone, '.galfriday');
    env = await stackEnv(dataDir);
  });

  after(async () => {
    for (const stack of started) stack.child.kill('SIGKILL');
    if (!privateDir) return;
    // The cluster lives outside the clone; it goes with the clone.
    const cluster = dataDir && (await realpath(path.join(dataDir, 'postgres')).catch(() => undefined));
    if (cluster && !cluster.startsWith(privateDir)) await rm(cluster, { recursive: true, force: true });
    await rm(privateDir, { recursive: true, force: true });
  });

  /** `npm start` after its build: the compiled entry point, run from the clone. */
  function start(): Started {
    const stack = startProcess(process.execPath, ['dist/stack/start-main.js', '--no-demo'], env, clone);
    started.push(stack);
    return stack;
  }

  it('starts, stops, and starts again on the same data; a CLI command starts the embedded server too', async () => {
    const first = start();
    // The last line of a start: the token lines come after "galfriday is ready." and may not be in yet.
    await waitFor(first, /Press Ctrl-C to stop\./, 120_000);
    assert.match(first.output(), /Schema up to date \([1-9]\d* applied now, 0 before\)/);
    assert.match(first.output(), /Engine token {2}\S{16,}/);

    const link = path.join(dataDir!, 'postgres');
    if (isRoot) {
      // The cluster lives where the postgres user can reach it, behind a link at its wanted place.
      assert.ok((await lstat(link)).isSymbolicLink(), 'the cluster directory is a link');
      assert.ok(
        !(await realpath(link)).startsWith(privateDir!),
        'the cluster is outside the private directory',
      );
    }
    const cluster = await realpath(link);
    assert.ok(existsSync(path.join(cluster, 'PG_VERSION')));

    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0, first.output());
    assert.deepEqual(processesUsing(clone), []);
    assert.deepEqual(processesUsing(cluster), []);

    // The start that used to fail: the link must be followed, not handed to PostgreSQL as is.
    const second = start();
    await waitFor(second, /Press Ctrl-C to stop\./, 120_000);
    assert.match(second.output(), /Schema up to date \(0 applied now, [1-9]\d* before\)/);
    assert.match(second.output(), /Tokens {8}kept in /);
    const health = await fetch(`http://127.0.0.1:${env.ROUTER_PORT}/healthz`);
    assert.equal(health.status, 200);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
    assert.deepEqual(processesUsing(cluster), []);

    // With no stack running, a CLI command starts the embedded server for itself, on the same cluster.
    const migrate = spawnSync(path.join(clone, 'bin', 'galfriday'), ['migrate'], {
      cwd: clone,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    assert.equal(migrate.status, 0, migrate.stdout + migrate.stderr);
    assert.match(migrate.stderr, /starting the embedded PostgreSQL for this command/);
    assert.match(migrate.stdout, /Schema up to date/);
    assert.deepEqual(processesUsing(cluster), []);
  });
});

/** A clone of the checkout as it is (its files with their uncommitted edits and new files, not ignored ones), without .git. */
async function copyTrackedFiles(from: string, to: string): Promise<void> {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: from,
    encoding: 'utf8',
  });
  assert.equal(listed.status, 0, listed.stderr);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const source = path.join(from, file);
    // A tracked file deleted in the working tree is not part of the checkout as it is.
    if (!existsSync(source)) continue;
    await mkdir(path.dirname(path.join(to, file)), { recursive: true });
    await copyFile(source, path.join(to, file));
  }
}
