import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { moveAlias } from '../../../src/db/repositories/alias.repository';
import { runCli } from '../../support/run-cli';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  seedModel,
  startExperiment,
  startTestRouter,
  waitFor,
  type SeededModel,
  type TestRouter,
} from './support/routing-fixtures';

/** Milliseconds until `check` holds on every router, polling each every 5 ms. */
async function propagation(
  routers: TestRouter[],
  check: (router: TestRouter) => Promise<boolean>,
  limitMs: number,
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    routers.map(async (router) => {
      for (;;) {
        if (await check(router)) return;
        if (performance.now() - started > limitMs) throw new Error(`not propagated within ${limitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  return performance.now() - started;
}

const championVersion = async (
  router: TestRouter,
  unitId = 'probe',
): Promise<{ version: number; variant?: string }> =>
  (await router.post('/v1/route', { model: 'btc-1h', unitId })).body;

describe('routing service: live configuration', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let model: SeededModel;
  const routers: TestRouter[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    model = await seedModel(database.db, { versions: 3, champion: 1 });
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    await database.drop();
  });

  it('brings alias moves and experiment starts and stops to every router within 1 s', async () => {
    routers.push(await startTestRouter(database.url), await startTestRouter(database.url));

    await moveAlias(database.db, { model: 'btc-1h', alias: 'champion', version: 2, changedBy: 'workflow' });
    const aliasMs = await propagation(routers, async (r) => (await championVersion(r)).version === 2, 1_000);

    const experimentId = await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 2, weight: 0, isControl: true },
        { variant: 'treatment', version: 3, weight: 1 },
      ],
    });
    const startMs = await propagation(
      routers,
      async (r) => (await championVersion(r)).variant === 'treatment',
      1_000,
    );

    await sql`UPDATE experiments SET status = 'completed', ended_at = now() WHERE experiment_id = ${experimentId}`.execute(
      database.db,
    );
    const stopMs = await propagation(
      routers,
      async (r) => (await championVersion(r)).variant === undefined,
      1_000,
    );
    assert.ok(Math.max(aliasMs, startMs, stopMs) < 1_000, `${aliasMs} / ${startMs} / ${stopMs} ms`);
    const metrics = (await routers[0]!.get('/metrics')).text;
    assert.match(metrics, /galfriday_router_config_reloads_total\{trigger="notify",result="ok"\} [1-9]/);
  });

  it('brings a champion moved with `galfriday models promote` to every router within 1 s', async () => {
    routers.push(await startTestRouter(database.url), await startTestRouter(database.url));
    assert.equal((await championVersion(routers[0]!)).version, 1);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-promote-'));
    try {
      const started = performance.now();
      const promoted = await runCli(['models', 'promote', 'btc-1h', '3', '--reason', 'test'], {
        DATABASE_URL: database.url,
        GALFRIDAY_DATA_DIR: dataDir,
      });
      assert.equal(promoted.code, 0, promoted.stderr);
      const afterCommandMs = await propagation(
        routers,
        async (r) => (await championVersion(r)).version === 3,
        1_000,
      );
      assert.ok(
        afterCommandMs < 1_000,
        `${afterCommandMs} ms after the command (${performance.now() - started} ms in all)`,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reconnects its listener after the connection is killed and reloads what it missed', async () => {
    const router = await startTestRouter(database.url);
    routers.push(router);
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'galfriday-router-listen' AND datname = current_database()`.execute(
      database.db,
    );
    // Changed while the listener may be down: only the reload after reconnecting can see it.
    await moveAlias(database.db, { model: 'btc-1h', alias: 'champion', version: 3, changedBy: 'cli' });
    await propagation([router], async (r) => (await championVersion(r)).version === 3, 3_000);
    await waitFor(
      async () => ((await router.get('/readyz', null)).body.listening ? true : undefined),
      3_000,
      'the listener to reconnect',
    );
    await moveAlias(database.db, { model: 'btc-1h', alias: 'champion', version: 2, changedBy: 'cli' });
    await propagation([router], async (r) => (await championVersion(r)).version === 2, 1_000);
  });

  it('falls back to the periodic full refresh when no notification arrives', async () => {
    const router = await startTestRouter(database.url, { tuning: { refreshIntervalMs: 300 } });
    routers.push(router);
    // Let the reload that follows the listener's first connection happen before the silent change.
    await waitFor(
      async () => ((await router.get('/readyz', null)).body.listening ? true : undefined),
      3_000,
      'the listener',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sql`ALTER TABLE model_aliases DISABLE TRIGGER model_aliases_notify`.execute(database.db);
    await moveAlias(database.db, { model: 'btc-1h', alias: 'champion', version: 2, changedBy: 'cli' });
    await propagation([router], async (r) => (await championVersion(r)).version === 2, 2_000);
    const reloads = (await router.get('/metrics')).text
      .split('\n')
      .filter((l) => l.startsWith('galfriday_router_config_reloads_total'));
    assert.ok(
      reloads.some((l) => /trigger="periodic",result="ok"\} [1-9]/.test(l)),
      reloads.join('; '),
    );
  });
});
