import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { connectDatabase, type DatabaseHandle } from '../../../src/db/connection';
import { migrate } from '../../../src/db/migrator';
import { startEmbeddedPostgres, type RunningPostgres } from '../../../src/stack/embedded-postgres';
import { freePort } from '../../../src/util/ports';
import { freezePostgres } from './support/freeze-postgres';
import {
  featuresFor,
  seedModel,
  startExperiment,
  startTestRouter,
  waitFor,
  type TestRouter,
} from './support/routing-fixtures';

const FREEZE_MS = 6_000;

interface OutcomeAttempt {
  ids: string[];
  sentAt: number;
  latencyMs: number;
  status: number;
  mayHaveBeenStored?: boolean;
  phase: Phase;
}
type Phase = 'before' | 'frozen' | 'thawed';

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

// A PostgreSQL of this test's own (SIGSTOP would hang every other test of the run on the shared one),
// frozen rather than stopped: the connections stay open and nothing answers, which is what a hung
// host, a stalled disk or a partition that drops packets looks like to the router.
describe('routing service: PostgreSQL that hangs (SIGSTOP) under load', function () {
  this.timeout(120_000);
  let workDir: string;
  let postgres: RunningPostgres | undefined;
  let database: DatabaseHandle | undefined;
  let router: TestRouter | undefined;
  let thaw: (() => void) | undefined;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-freeze-'));
    await chmod(workDir, 0o755);
    postgres = await startEmbeddedPostgres({
      clusterDir: path.join(workDir, 'postgres'),
      port: await freePort(),
      database: 'galfriday',
    });
    database = connectDatabase(postgres.url);
    await migrate(database.pool);
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
  });
  after(async () => {
    thaw?.();
    await router?.close();
    await database?.close();
    await postgres?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('keeps predicting, fails outcomes fast with a truthful 503, turns /readyz within seconds, and loses nothing on SIGCONT', async () => {
    router = await startTestRouter(postgres!.url, {
      env: {
        ROUTER_DB_STATEMENT_TIMEOUT: '1s',
        ROUTER_OUTCOME_TIMEOUT: '1s',
        ROUTER_LOG_FLUSH_TIMEOUT: '2s',
        ROUTER_CONFIG_RELOAD_TIMEOUT: '1s',
        ROUTER_DB_PROBE_TIMEOUT: '500ms',
      },
      tuning: { refreshIntervalMs: 1_000 },
    });
    const live = router;
    let phase: Phase = 'before';
    let stop = false;
    const served: Array<{ id: string; phase: Phase; latencyMs: number }> = [];
    const attempts: OutcomeAttempt[] = [];
    const sendOutcomes = async (ids: string[]): Promise<OutcomeAttempt> => {
      const sentAt = performance.now();
      const sentIn = phase;
      const answer = await live.post('/v1/outcomes', {
        outcomes: ids.map((predictionId, k) => ({ predictionId, correct: k % 2 === 0 })),
      });
      const attempt: OutcomeAttempt = {
        ids,
        sentAt,
        latencyMs: performance.now() - sentAt,
        status: answer.status,
        phase: sentIn,
      };
      if (answer.status === 202) {
        for (const r of answer.body.results)
          assert.notEqual(r.status, 'unknown', `${sentIn}: ${r.predictionId}`);
      } else {
        assert.deepEqual([answer.status, answer.body.error.code], [503, 'ROUTER_ERR_STORAGE_UNAVAILABLE']);
        assert.match(answer.body.error.message, /retrying the same request is safe/);
        attempt.mayHaveBeenStored = answer.body.error.details.mayHaveBeenStored;
      }
      attempts.push(attempt);
      return attempt;
    };

    // Four engines predicting, one reporting outcomes for what was predicted a moment ago.
    const predictors = Array.from({ length: 4 }, async (_, worker) => {
      for (let i = 0; !stop; i++) {
        const started = performance.now();
        const sentIn = phase;
        const p = await live.post('/v1/predict', {
          model: 'btc-1h',
          unitId: `acct-${worker}-${i % 50}`,
          features: featuresFor(worker * 100_000 + i),
        });
        assert.equal(p.status, 200, `predict (${sentIn}): ${JSON.stringify(p.body)}`);
        served.push({ id: p.body.predictionId, phase: sentIn, latencyMs: performance.now() - started });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
    const reporter = (async () => {
      let next = 0;
      while (!stop) {
        if (served.length - next >= 5) {
          await sendOutcomes(served.slice(next, next + 5).map((s) => s.id));
          next += 5;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const traffic = Promise.all([...predictors, reporter]);

    await waitFor(
      () => (attempts.filter((a) => a.status === 202).length >= 20 ? true : undefined),
      15_000,
      'outcomes before the freeze',
    );
    thaw = freezePostgres(postgres!.clusterDir);
    const frozenAt = performance.now();
    phase = 'frozen';
    await waitFor(
      async () => ((await live.get('/readyz', null)).body.database === 'down' ? true : undefined),
      5_000,
      '/readyz to report the database down',
    );
    const readyTurnedMs = performance.now() - frozenAt;
    const readyDuringFreeze = await live.get('/readyz', null);
    await new Promise((resolve) => setTimeout(resolve, FREEZE_MS - (performance.now() - frozenAt)));
    const bufferedAtThaw = (await live.get('/readyz', null)).body.bufferedRows;
    thaw();
    const thawedAt = performance.now();
    phase = 'thawed';
    await waitFor(
      async () => ((await live.get('/readyz', null)).body.database === 'up' ? true : undefined),
      10_000,
      '/readyz to report the database up again',
    );
    const readyBackMs = performance.now() - thawedAt;
    const acknowledgedBeforeThaw = attempts.filter((a) => a.status === 202).length;
    await waitFor(
      () =>
        attempts.filter((a) => a.status === 202 && a.phase === 'thawed').length >= 10 ? true : undefined,
      15_000,
      'outcomes accepted again after the thaw',
    );
    stop = true;
    await traffic;
    await live.post('/admin/flush', undefined, live.adminToken);

    // Figures of the freeze.
    const frozenAttempts = attempts.filter((a) => a.phase === 'frozen');
    const refused = frozenAttempts.filter((a) => a.status === 503);
    const servedFrozen = served.filter((s) => s.phase === 'frozen');
    const storedOutcomes = new Set(
      (
        await database!.db
          .selectFrom('experiment_outcomes')
          .select(sql<string>`prediction_id::text`.as('id'))
          .execute()
      ).map((r) => r.id),
    );
    const storedPredictions = Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM predictions WHERE NOT is_shadow`.execute(
          database!.db,
        )
      ).rows[0]!.n,
    );
    const figures = {
      freezeMs: FREEZE_MS,
      readyzDownAfterMs: Math.round(readyTurnedMs),
      readyzUpAfterThawMs: Math.round(readyBackMs),
      outcomeRequestsDuringFreeze: frozenAttempts.length,
      outcome503DuringFreeze: refused.length,
      outcome503LatencyMs: {
        p50: Math.round(
          quantile(
            refused.map((a) => a.latencyMs),
            0.5,
          ),
        ),
        p99: Math.round(
          quantile(
            refused.map((a) => a.latencyMs),
            0.99,
          ),
        ),
        max: Math.round(Math.max(...refused.map((a) => a.latencyMs))),
      },
      outcome503MayHaveBeenStored: refused.filter((a) => a.mayHaveBeenStored).length,
      predictionsServedDuringFreeze: servedFrozen.length,
      predictLatencyDuringFreezeMaxMs: Math.round(Math.max(...servedFrozen.map((s) => s.latencyMs))),
      predictionsServed: served.length,
      predictionsStored: storedPredictions,
      bufferedAtThaw,
      outcomesAcknowledged: attempts.filter((a) => a.status === 202).reduce((n, a) => n + a.ids.length, 0),
    };
    console.log(`      freeze figures: ${JSON.stringify(figures)}`);

    // Predictions kept flowing, and none waited on the database (that would take the 1 s statement
    // deadline at least; the bound is loose because the machine is shared).
    assert.ok(servedFrozen.length >= 200, `${servedFrozen.length} predictions during the freeze`);
    assert.ok(
      figures.predictLatencyDuringFreezeMaxMs < 1_000,
      `a prediction took ${figures.predictLatencyDuringFreezeMaxMs} ms`,
    );
    // Readiness reflects the hang within a few seconds; the router keeps serving predictions, so it
    // stays in the load balancer (200) and says what is wrong.
    assert.ok(readyTurnedMs < 3_000, `/readyz turned after ${readyTurnedMs} ms`);
    assert.deepEqual([readyDuringFreeze.status, readyDuringFreeze.body.database], [200, 'down']);
    // Outcomes failed fast: never later than their deadline (1 s) plus scheduling slack.
    assert.ok(refused.length >= 10, `${refused.length} outcome requests refused during the freeze`);
    assert.equal(
      frozenAttempts.filter((a) => a.status === 202).length,
      0,
      'nothing acknowledged while frozen',
    );
    assert.ok(
      figures.outcome503LatencyMs.max < 2_500,
      `an outcome 503 took ${figures.outcome503LatencyMs.max} ms`,
    );
    assert.ok(acknowledgedBeforeThaw > 0);

    // Nothing lost: every acknowledged outcome is stored, every prediction was written.
    const acknowledged = attempts.filter((a) => a.status === 202).flatMap((a) => a.ids);
    assert.deepEqual(
      acknowledged.filter((id) => !storedOutcomes.has(id)),
      [],
      'every acknowledged outcome is stored',
    );
    assert.equal(storedPredictions, served.length, 'every served prediction is stored');
    // "Nothing was recorded" was true whenever it was said.
    const saidNothing = refused.filter((a) => a.mayHaveBeenStored === false).flatMap((a) => a.ids);
    assert.deepEqual(
      saidNothing.filter((id) => storedOutcomes.has(id)),
      [],
      'a 503 saying nothing was recorded recorded nothing',
    );
    // And retrying every refused request is safe and answers correctly: recorded now, or duplicate
    // when the frozen statement committed after the thaw.
    for (const attempt of refused) {
      const retry = await live.post('/v1/outcomes', {
        outcomes: attempt.ids.map((predictionId, k) => ({ predictionId, correct: k % 2 === 0 })),
      });
      assert.equal(retry.status, 202, JSON.stringify(retry.body));
      for (const [k, r] of retry.body.results.entries()) {
        const expected =
          attempt.mayHaveBeenStored || storedOutcomes.has(attempt.ids[k]!)
            ? ['recorded', 'duplicate']
            : ['recorded'];
        assert.ok(
          expected.includes(r.status),
          `${r.status} for ${attempt.ids[k]} (${JSON.stringify(attempt)})`,
        );
      }
    }
    const metrics = (await live.get('/metrics')).text;
    assert.match(metrics, /galfriday_router_log_dropped_rows_total\{log="predictions",reason="overflow"\} 0/);
    assert.match(metrics, /galfriday_router_database_up 1/);
    // Reloads during the freeze gave up at their deadline (a hung reload would have finished, late
    // but without error, after the thaw), and statements past their deadline were counted.
    const reloadErrors =
      /galfriday_router_config_reloads_total\{trigger="periodic",result="error"\} (\d+)/.exec(metrics);
    assert.ok(reloadErrors !== null && Number(reloadErrors[1]) >= 2, metrics);
    assert.match(metrics, /galfriday_router_database_timeouts_total\{operation="statement"\} [1-9]/);
  });

  it("discards a connection whose statement passed its deadline, and reports an idle router's database down from its probe alone", async () => {
    await router?.close();
    router = undefined;
    const probed = await startTestRouter(postgres!.url, {
      env: { ROUTER_DB_STATEMENT_TIMEOUT: '1s', ROUTER_DB_PROBE_TIMEOUT: '500ms' },
      // No reloads during the freeze: only the probe can notice it.
      tuning: { refreshIntervalMs: 600_000 },
    });
    router = probed;
    const handle = connectDatabase(postgres!.url, { maxConnections: 1, statementTimeoutMs: 300 });
    try {
      const pid = async () =>
        (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db)).rows[0]!.pid;
      const before = await pid();
      assert.equal(handle.pool.totalCount, 1);
      assert.equal((await probed.get('/readyz', null)).body.database, 'up');
      thaw = freezePostgres(postgres!.clusterDir);
      const frozenAt = performance.now();
      await assert.rejects(pid(), (error: Error) => {
        assert.equal(error.name, 'DatabaseDeadlineError');
        assert.equal((error as unknown as { statementSent: boolean }).statementSent, true);
        return true;
      });
      const gaveUpMs = performance.now() - frozenAt;
      assert.ok(gaveUpMs >= 300 && gaveUpMs < 1_500, `gave up after ${gaveUpMs} ms`);
      assert.equal(handle.pool.totalCount, 0, 'the connection is discarded, not returned to the pool');
      await waitFor(
        async () => ((await probed.get('/readyz', null)).body.database === 'down' ? true : undefined),
        3_000,
        'the probe to report the frozen database down with no traffic',
      );
      thaw();
      await waitFor(
        async () => ((await probed.get('/readyz', null)).body.database === 'up' ? true : undefined),
        5_000,
        'the probe to report it up again',
      );
      // A new connection, not the one abandoned mid-statement.
      assert.notEqual(await pid(), before);
    } finally {
      thaw?.();
      await handle.close();
    }
  });
});
