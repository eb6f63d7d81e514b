import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { raiseRouterAlert } from '../../../src/db/repositories/routing-alert.repository';
import { ExitCode } from '../../../src/cli/exit-codes';
import { runCli } from '../../support/run-cli';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

describe('galfriday alerts list / ack', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-alerts-'));
    env = { DATABASE_URL: database.url, GALFRIDAY_DATA_DIR: dir };
  });
  after(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('acknowledges an open alert once, and shows the condition again when it comes back', async () => {
    const broken = {
      severity: 'critical' as const,
      kind: 'model_version_broken',
      modelId: null,
      experimentId: null,
      message: 'version 2 of "btc-1h" failed to load; it is the champion: requests it serves fail with 503',
      details: {},
      dedupeKey: 'router:model_version_broken:2',
    };
    await raiseRouterAlert(database.db, broken);
    const listed = await runCli(['alerts', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const [open] = listed.json<Array<{ alertId: string; kind: string }>>();
    assert.equal(open?.kind, 'model_version_broken');

    const ack = await runCli(['alerts', 'ack', open!.alertId], env);
    assert.equal(ack.code, 0, ack.stderr);
    const again = await runCli(['alerts', 'ack', open!.alertId], env);
    assert.equal(again.code, ExitCode.NOT_FOUND);
    assert.match(again.stderr, /already acknowledged by cli:/);
    assert.equal((await runCli(['alerts', 'ack', '987654'], env)).code, ExitCode.NOT_FOUND);
    assert.match((await runCli(['alerts', 'list'], env)).stdout, /No open alerts/);

    // The version broke again: a new open alert, the acknowledged one kept in the history.
    assert.equal(await raiseRouterAlert(database.db, broken), true);
    const reopened = (await runCli(['alerts', 'list', '--json'], env)).json<Array<{ alertId: string }>>();
    assert.equal(reopened.length, 1);
    assert.notEqual(reopened[0]!.alertId, open!.alertId);
    assert.equal((await runCli(['alerts', 'list', '--all', '--json'], env)).json<unknown[]>().length, 2);
  });
});
