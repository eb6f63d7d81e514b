import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../../src/stack/embedded-postgres';
import { freePort } from '../../../src/util/ports';

/** What cannot work gets one line saying what to change: no PostgreSQL log, no stack trace. */
async function refusal(clusterDir: string): Promise<string> {
  const error = await startEmbeddedPostgres({ clusterDir, port: await freePort() }).then(
    (running) => {
      void running.stop();
      return undefined;
    },
    (e: Error) => e,
  );
  assert.ok(error, `${clusterDir} started`);
  assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
  return error.message;
}

describe('embedded PostgreSQL: the cases that cannot work', function () {
  this.timeout(120_000);
  const isRoot = process.getuid?.() === 0;
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-refusals-'));
    // Reachable by the postgres user, so that only what each case sets up stands in the way.
    await chmod(workDir, 0o755);
  });
  after(async () => rm(workDir, { recursive: true, force: true }));

  it('names the PostgreSQL that an earlier, killed start left running on the cluster', async () => {
    const clusterDir = path.join(workDir, 'orphaned', 'postgres');
    const port = await freePort();
    let orphan: RunningPostgres | undefined = await startEmbeddedPostgres({ clusterDir, port });
    try {
      const message = await refusal(clusterDir);
      assert.match(message, /one from an earlier start still runs on .*\(pid \d+, port (\d+)\)/);
      assert.equal(Number(/port (\d+)\)/.exec(message)![1]), port);
      assert.match(message, /stop it with `kill \d+`/);
      await orphan.stop();
      orphan = undefined;
      // Once it is gone, the pid file it leaves behind (if any) is no obstacle.
      const again = await startEmbeddedPostgres({ clusterDir, port: await freePort() });
      await again.stop();
    } finally {
      await orphan?.stop();
    }
  });

  describe('as root, where PostgreSQL runs as the postgres user', () => {
    before(function () {
      if (!isRoot) {
        console.log('      (skipped: without root, PostgreSQL runs as the caller and none of this applies)');
        this.skip();
      }
    });

    it('refuses a link to a cluster that no longer exists instead of starting an empty one in its place', async () => {
      const dataDir = path.join(workDir, 'dangling');
      await mkdir(dataDir, { recursive: true });
      await symlink(path.join(workDir, 'gone'), path.join(dataDir, 'postgres'));
      assert.match(
        await refusal(path.join(dataDir, 'postgres')),
        /links to .*gone, which no longer exists \(that database is gone\); remove the link to start with an empty database/,
      );
    });

    it('refuses a cluster of another owner, saying how to hand it over', async () => {
      const clusterDir = path.join(workDir, 'foreign', 'postgres');
      await mkdir(clusterDir, { recursive: true, mode: 0o700 });
      await writeFile(path.join(clusterDir, 'PG_VERSION'), '18\n');
      assert.match(
        await refusal(clusterDir),
        /the PostgreSQL cluster .*foreign\/postgres belongs to uid 0, not to postgres .*; run `chown -R postgres: .*`/,
      );
    });

    it('refuses an existing cluster inside a private directory, saying where to move it', async () => {
      const privateDir = path.join(workDir, 'private');
      const clusterDir = path.join(privateDir, 'data', 'postgres');
      await mkdir(clusterDir, { recursive: true });
      await writeFile(path.join(clusterDir, 'PG_VERSION'), '18\n');
      await chmod(privateDir, 0o700);
      assert.match(
        await refusal(clusterDir),
        /lies under .*private, which the postgres user that runs PostgreSQL as root cannot enter; move the cluster/,
      );
    });
  });
});
