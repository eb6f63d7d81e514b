// Experiment analysis over 10 million outcomes (issue 6): one look of the experiment workflow —
// loadArmAggregates + analyseArms, as the analyseExperiment activity runs it — with and without the
// drawdown guardrail, against two baselines measured in the same run on the same table:
// `SELECT count(*)` (the floor of any scan) and the naive approach of streaming every outcome row
// to Node and summing there. Prints EXPLAIN (ANALYZE, BUFFERS) of the queries the repository sends
// (captured from kysely, not copied) and times a few query variants as evidence for suggestions.
//
// Run: npx ts-node bench/experiment-analysis.bench.ts
// Env: BENCH_OUTCOMES (default 10,000,000), BENCH_RUNS (timed runs per figure, default 3),
//      BENCH_CHUNK (rows per INSERT … SELECT, default 1,000,000).
// Starts an embedded PostgreSQL on 127.0.0.1 in a temporary directory and removes it afterwards
// (about 4 GB of disk while it runs at 10 million outcomes).

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from '../src/db/database';
import { loadArmAggregates } from '../src/db/repositories/experiment-metrics.repository';
import { createExperiment } from '../src/db/repositories/experiment.repository';
import { ensureModel } from '../src/db/repositories/model.repository';
import { registerVersion } from '../src/db/repositories/version.repository';
import { analyseArms, type ArmAggregates } from '../src/lifecycle/analyse-arms';
import { experimentPolicySchema } from '../src/policies/experiment-policy';
import { elapsedMs, fmt, median, printTable, withBenchStack } from './support/bench-stack';

const OUTCOMES = Number(process.env.BENCH_OUTCOMES ?? 10_000_000);
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1_000_000);
const MODEL = 'bench-experiment';
const ACCURACY = { control: 0.55, treatment: 0.56 } as const;
/** prediction_at of outcome g is START + g seconds (ordered, so the drawdown's ORDER BY is meaningful). */
const START = new Date(Date.UTC(2025, 0, 1));
/** Rows per FETCH of the naive baseline's cursor: bounded memory, few round trips. */
const FETCH_ROWS = 50_000;

interface Timing {
  runs: number[];
  median: number;
  /** Whether a first, untimed run warmed the caches. */
  warmedUp: boolean;
}

/** A first run slower than this is timed rather than thrown away: caches cannot explain such a run. */
const WARMUP_LIMIT_MS = 10_000;

/**
 * `runs` timed runs. The first run is a warm-up when it takes under {@link WARMUP_LIMIT_MS}; a slower
 * one counts as the first timed run (a minute-long query is not a cold-cache effect, and repeating it
 * only lengthens the bench). Each run is printed as it ends.
 */
async function timeRuns(label: string, runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  const times: number[] = [];
  let t0 = performance.now();
  await fn();
  const first = elapsedMs(t0);
  const warmedUp = first < WARMUP_LIMIT_MS;
  if (!warmedUp) times.push(first);
  console.log(`  ${label}: ${warmedUp ? 'warm-up' : 'run 1'} ${ms(first)}`);
  while (times.length < runs) {
    t0 = performance.now();
    await fn();
    times.push(elapsedMs(t0));
    console.log(`  ${label}: run ${times.length} ${ms(times.at(-1)!)}`);
  }
  return { runs: times, median: median(times), warmedUp };
}

/** Up to three runs, no warm-up (the tables are warm by then); one run when the first takes over 30 s. */
async function timeEvidence(label: string, fn: () => Promise<unknown>): Promise<Timing> {
  const times: number[] = [];
  do {
    const t0 = performance.now();
    await fn();
    times.push(elapsedMs(t0));
    console.log(`  ${label}: run ${times.length} ${ms(times.at(-1)!)}`);
  } while (times.length < 3 && times[0]! < 30_000);
  return { runs: times, median: median(times), warmedUp: false };
}

const ms = (v: number) => `${fmt(v, v < 10 ? 2 : 0)} ms`;
const spread = (t: Timing) => `${ms(Math.min(...t.runs))} – ${ms(Math.max(...t.runs))}`;

async function run(): Promise<void> {
  console.log(
    `experiment-analysis bench: ${fmt(OUTCOMES)} outcomes (+ as many assignments), 2 arms, ` +
      `${RUNS} timed runs per figure (after a warm-up run when it takes < ${WARMUP_LIMIT_MS / 1000} s); Node ${process.version}, ${os.cpus().length} CPUs, ` +
      `load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  await withBenchStack({ temporal: false }, async (stack) => {
    const { db, pool } = stack.database;
    console.log(
      `embedded PostgreSQL up in ${stack.startup.postgresS.toFixed(1)} s, migrated in ${stack.startup.migrateS.toFixed(1)} s`,
    );
    const settings = await pool.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN
       ('server_version', 'shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit', 'max_wal_size')
       ORDER BY name`,
    );
    console.log(
      'server: ' + settings.rows.map((s) => `${s.name}=${s.setting}${s.unit ? ` ${s.unit}` : ''}`).join(', '),
    );

    // --- Setup: model, two versions, one experiment with two 50/50 arms -----------------------------
    const model = await ensureModel(db, {
      name: MODEL,
      predictionTarget: 'prob_up',
      featureSchema: { version: 'bench', names: ['x'] },
    });
    for (const tag of ['v1', 'v2']) {
      await registerVersion(db, {
        model: MODEL,
        trainer: 'logistic-regression',
        onnx: Buffer.from(`bench artifact ${tag}`),
        featureSchema: { version: 'bench', names: ['x'] },
        createdBy: 'bench',
      });
    }
    const experiment = await createExperiment(db, {
      model: MODEL,
      name: 'bench: v1 vs v2',
      variants: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5, isControl: false },
      ],
      policy: {},
      createdBy: 'bench',
    });
    const experimentId = experiment.experiment_id;
    const versions = await db
      .selectFrom('model_versions')
      .select(['version', 'version_id'])
      .where('model_id', '=', model.model_id)
      .orderBy('version')
      .execute();
    const [v1, v2] = versions.map((v) => v.version_id);

    // --- Bulk load: one INSERT … SELECT per chunk writes the assignments and their outcomes ----------
    console.log(
      `\nloading ${fmt(OUTCOMES)} assignments + outcomes in chunks of ${fmt(CHUNK)} (server-side generate_series)…`,
    );
    // One connection with replica mode: it skips the per-row foreign-key triggers (about half of the
    // insert time here); every row references the experiment just created, so nothing goes unchecked
    // that could fail. Indexes, CHECKs and the primary keys stay in force.
    const loader = await pool.connect();
    const loadStart = performance.now();
    try {
      await loader.query('SET session_replication_role = replica');
      for (let from = 1; from <= OUTCOMES; from += CHUNK) {
        const to = Math.min(OUTCOMES, from + CHUNK - 1);
        const chunkStart = performance.now();
        await loader.query(
          `WITH a AS (
             INSERT INTO experiment_assignments (assignment_id, experiment_id, variant, unit_id, assigned_at)
             SELECT gen_random_uuid(), $1::uuid, CASE WHEN g % 2 = 0 THEN 'control' ELSE 'treatment' END,
                    'u-' || g, $2::timestamptz + g * interval '1 second'
             FROM generate_series($3::bigint, $4::bigint) g
             RETURNING assignment_id, variant, assigned_at
           )
           INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, experiment_id, variant, correct,
                                            trade_return, signal_generated, prediction_at, recorded_at)
           SELECT assignment_id, $5::bigint, CASE WHEN variant = 'control' THEN $6::bigint ELSE $7::bigint END,
                  $1::uuid, variant,
                  random() < CASE WHEN variant = 'control' THEN $8::float8 ELSE $9::float8 END,
                  random_normal(0.0001, 0.01), true, assigned_at, assigned_at + interval '1 minute'
           FROM a`,
          [
            experimentId,
            START.toISOString(),
            from,
            to,
            model.model_id,
            v1,
            v2,
            ACCURACY.control,
            ACCURACY.treatment,
          ],
        );
        const chunkMs = elapsedMs(chunkStart);
        console.log(
          `  ${fmt(to).padStart(12)} rows  chunk ${(chunkMs / 1000).toFixed(1)} s ` +
            `(${fmt(((to - from + 1) / chunkMs) * 1000)} outcomes/s)  total ${(elapsedMs(loadStart) / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      await loader.query('RESET session_replication_role').catch(() => undefined);
      loader.release();
    }
    const loadMs = elapsedMs(loadStart);
    const vacuumStart = performance.now();
    await pool.query('VACUUM (ANALYZE) experiment_assignments');
    await pool.query('VACUUM (ANALYZE) experiment_outcomes');
    const vacuumMs = elapsedMs(vacuumStart);
    const sizes = await pool.query<{ rel: string; total: string; heap: string; indexes: string }>(
      `SELECT relname AS rel, pg_size_pretty(pg_total_relation_size(oid)) AS total,
              pg_size_pretty(pg_relation_size(oid)) AS heap, pg_size_pretty(pg_indexes_size(oid)) AS indexes
       FROM pg_class WHERE relname IN ('experiment_outcomes', 'experiment_assignments') ORDER BY relname`,
    );
    console.log('\nload');
    printTable(
      ['step', 'time', 'rate'],
      [
        [
          'INSERT … SELECT (assignments + outcomes, FK triggers off)',
          `${(loadMs / 1000).toFixed(1)} s`,
          `${fmt((OUTCOMES / loadMs) * 1000)} outcomes/s (${fmt(((2 * OUTCOMES) / loadMs) * 1000)} rows/s)`,
        ],
        ['VACUUM (ANALYZE) both tables', `${(vacuumMs / 1000).toFixed(1)} s`, ''],
      ],
    );
    printTable(
      ['table', 'total', 'heap', 'indexes'],
      sizes.rows.map((r) => [r.rel, r.total, r.heap, r.indexes]),
    );

    // --- The look, as the activity runs it -----------------------------------------------------------
    const policy = experimentPolicySchema.parse({});
    const drawdownPolicy = experimentPolicySchema.parse({ guardrails: { maxDrawdown: 1e6 } });
    let lastArms: ArmAggregates[] = [];
    let analyseMs: number[] = [];
    const look = (drawdown: boolean) => async () => {
      const arms = await loadArmAggregates(db, experimentId, drawdown ? { drawdown: true } : {});
      const t = performance.now();
      const analysis = analyseArms(arms, drawdown ? drawdownPolicy : policy, {}, Date.now());
      analyseMs.push(elapsedMs(t));
      lastArms = arms;
      return analysis;
    };
    console.log('\ntiming…');
    const plain = await timeRuns('(a) look', RUNS, look(false));
    const plainAnalyseMs = median(analyseMs);
    const plainAnalysis = analyseArms(lastArms, policy, {}, Date.now());
    analyseMs = [];
    const withDrawdown = await timeRuns('(b) look with drawdown', RUNS, look(true));
    const drawdownArms = lastArms;

    // --- Baselines --------------------------------------------------------------------------------
    const countAll = await timeRuns('(c) count(*)', RUNS, () =>
      pool.query('SELECT count(*) FROM experiment_outcomes'),
    );
    const naiveStart = performance.now();
    const naive = await naiveAggregate(pool, experimentId);
    const naiveMs = elapsedMs(naiveStart);
    const matches = naive.every((n) => {
      const arm = lastArms.find((a) => a.variant === n.variant);
      return (
        arm &&
        arm.labelled === n.labelled &&
        arm.correct === n.correct &&
        Math.abs(arm.returnSum - n.returnSum) < 1e-6
      );
    });

    console.log('\nper-arm aggregates (from the last look)');
    printTable(
      ['arm', 'assignments', 'labelled', 'accuracy', 'mean return', 'max drawdown'],
      drawdownArms.map((a) => [
        a.variant,
        fmt(a.assignments),
        fmt(a.labelled),
        (a.correct / a.labelled).toFixed(4),
        (a.returnSum / a.returnsN).toExponential(3),
        a.maxDrawdown.toFixed(3),
      ]),
    );
    const cmp = plainAnalysis.comparisons[0];
    console.log(
      `  mSPRT treatment vs control: diff ${cmp?.diff.toFixed(4)}, p ${cmp?.pValue.toExponential(2)}; ` +
        `SRM p ${plainAnalysis.srm.pValue.toFixed(3)}; naive sums ${matches ? 'match' : 'DO NOT match'} the repository's`,
    );

    console.log(`\nresults (${fmt(OUTCOMES)} outcomes; median of ${RUNS} runs unless noted)`);
    const rate = (t: number) => `${fmt(((OUTCOMES / t) * 1000) / 1e6, 1)} M rows/s`;
    printTable(
      ['measurement', 'median', 'min – max', 'outcomes/s', '× count(*)'],
      [
        [
          '(a) loadArmAggregates + analyseArms',
          ms(plain.median),
          spread(plain),
          rate(plain.median),
          (plain.median / countAll.median).toFixed(1),
        ],
        ['    of which analyseArms (pure JS)', ms(plainAnalyseMs), '', '', ''],
        [
          '(b) same with { drawdown: true }',
          ms(withDrawdown.median),
          spread(withDrawdown),
          rate(withDrawdown.median),
          (withDrawdown.median / countAll.median).toFixed(1),
        ],
        [
          '(c) SELECT count(*) FROM experiment_outcomes',
          ms(countAll.median),
          spread(countAll),
          rate(countAll.median),
          '1.0',
        ],
        [
          '(c) naive: stream all rows to Node, sum there (1 run)',
          ms(naiveMs),
          '',
          rate(naiveMs),
          (naiveMs / countAll.median).toFixed(1),
        ],
      ],
    );
    console.log('\nratios');
    printTable(
      ['ratio', 'value'],
      [
        ['(a) / count(*)', `${(plain.median / countAll.median).toFixed(2)}×`],
        [
          '(b) / (a)  — cost of the drawdown guardrail',
          `${(withDrawdown.median / plain.median).toFixed(2)}×`,
        ],
        [
          'naive / (a)  — > 1: the SQL aggregation is faster than streaming',
          `${(naiveMs / plain.median).toFixed(2)}×`,
        ],
      ],
    );
    console.log(
      '  naive = outcomes only (variant, correct, trade_return) through a server-side cursor, ' +
        `${fmt(FETCH_ROWS)} rows per FETCH (memory-bounded); it omits the assignment count and the drawdown, ` +
        'so it is a lower bound of the naive approach.',
    );

    // --- Where the time goes ------------------------------------------------------------------------
    // The figures above are printed already; a failure below must not lose them, nor skip the rest.
    await explainRepositoryQueries(pool, experimentId).catch((error: unknown) =>
      console.error('EXPLAIN failed:', error),
    );
    await timeVariants(pool, experimentId).catch((error: unknown) =>
      console.error('query variants failed:', error),
    );
    console.log(
      `\nload average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} (1 / 5 / 15 min)`,
    );
  });
}

/** Streams the experiment's outcomes through a cursor and sums them per arm in Node. */
async function naiveAggregate(pool: pg.Pool, experimentId: string) {
  const client = await pool.connect();
  const arms = new Map<string, { variant: string; labelled: number; correct: number; returnSum: number }>();
  try {
    await client.query('BEGIN');
    await client.query(
      'DECLARE outcomes NO SCROLL CURSOR FOR SELECT variant, correct, trade_return FROM experiment_outcomes WHERE experiment_id = $1',
      [experimentId],
    );
    for (;;) {
      const { rows } = await client.query<{
        variant: string;
        correct: boolean | null;
        trade_return: number | null;
      }>(`FETCH ${FETCH_ROWS} FROM outcomes`);
      if (rows.length === 0) break;
      for (const r of rows) {
        let arm = arms.get(r.variant);
        if (!arm) arms.set(r.variant, (arm = { variant: r.variant, labelled: 0, correct: 0, returnSum: 0 }));
        if (r.correct !== null) {
          arm.labelled++;
          if (r.correct) arm.correct++;
        }
        if (r.trade_return !== null) arm.returnSum += r.trade_return;
      }
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return [...arms.values()];
}

/** Runs loadArmAggregates on a kysely instance that records its SQL, then EXPLAINs exactly that SQL. */
async function explainRepositoryQueries(pool: pg.Pool, experimentId: string): Promise<void> {
  const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const recording = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query')
        captured.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
  await loadArmAggregates(recording, experimentId, { drawdown: true });
  // `recording` shares the bench's pool: not destroyed here, the stack closes the pool.
  const names = [
    'per-arm sums (loadArmAggregates, always)',
    'drawdown (loadArmAggregates, { drawdown: true })',
  ];
  for (const [i, q] of captured.entries()) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, SETTINGS) ${q.sql}`,
      q.parameters as unknown[],
    );
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) — ${names[i] ?? `query ${i + 1}`}`);
    for (const r of rows) console.log(`  ${r['QUERY PLAN']}`);
  }
}

// The parts of loadArmAggregates' SQL and candidate rewrites, for timing them alone ($1 = experiment).
const OUTCOME_SUMS_SQL = `
  SELECT variant, count(correct), count(*) FILTER (WHERE correct), count(trade_return),
         sum(trade_return), sum(trade_return * trade_return)
  FROM experiment_outcomes WHERE experiment_id = $1 GROUP BY variant`;
const ROUTED_SQL = `
  SELECT variant, count(*) FROM (
    SELECT assignment_id AS id, variant FROM experiment_assignments WHERE experiment_id = $1
    UNION
    SELECT prediction_id, variant FROM predictions WHERE experiment_id = $1 AND NOT is_shadow) u
  GROUP BY variant`;
const ROUTED_REWRITE_SQL = `
  SELECT variant, count(*) FROM (
    SELECT variant FROM experiment_assignments WHERE experiment_id = $1
    UNION ALL
    SELECT p.variant FROM predictions p WHERE p.experiment_id = $1 AND NOT p.is_shadow
      AND NOT EXISTS (SELECT 1 FROM experiment_assignments a WHERE a.assignment_id = p.prediction_id)) u
  GROUP BY variant`;
const DRAWDOWN_SQL = `
  SELECT variant, max(peak - cum) FROM (
    SELECT variant, cum, max(cum) OVER (PARTITION BY variant ORDER BY prediction_at, prediction_id) AS peak FROM (
      SELECT variant, prediction_at, prediction_id,
             sum(trade_return) OVER (PARTITION BY variant ORDER BY prediction_at, prediction_id) AS cum
      FROM experiment_outcomes WHERE experiment_id = $1 AND trade_return IS NOT NULL) a) b
  GROUP BY variant`;

/**
 * Times the parts of the per-arm query alone, and candidate rewrites of the slow parts, so that
 * suggestions come with figures. Nothing here changes the schema of src/; any index made for a
 * figure is dropped again.
 */
async function timeVariants(pool: pg.Pool, experimentId: string): Promise<void> {
  /** The query with the experiment as $1, optionally under a larger work_mem for that transaction only. */
  const q = (text: string, workMem?: string) => async () => {
    if (!workMem) return pool.query(text, [experimentId]);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL work_mem = '${workMem}'`);
      await client.query(text, [experimentId]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  const variants: Array<[string, () => Promise<unknown>]> = [
    ['outcomes CTE alone (sums per arm)', q(OUTCOME_SUMS_SQL)],
    ['routed CTE alone (UNION of assignment and prediction ids)', q(ROUTED_SQL)],
    ['routed CTE alone, work_mem 256MB', q(ROUTED_SQL, '256MB')],
    [
      'routed, rewritten: assignments + predictions without an assignment (UNION ALL, anti-join)',
      q(ROUTED_REWRITE_SQL),
    ],
    ['drawdown query alone', q(DRAWDOWN_SQL)],
    ['drawdown query alone, work_mem 256MB', q(DRAWDOWN_SQL, '256MB')],
  ];
  const rows: Array<[string, string, string, number]> = [];
  for (const [name, fn] of variants) {
    const t = await timeEvidence(name, fn);
    rows.push([name, ms(t.median), spread(t), t.runs.length]);
  }

  // The same drawdown with a sort-free input: an index in the window's order, made for the figure only.
  const indexStart = performance.now();
  await pool.query(
    `CREATE INDEX bench_outcomes_arm_time_idx ON experiment_outcomes (experiment_id, variant, prediction_at, prediction_id)
     INCLUDE (trade_return) WHERE experiment_id IS NOT NULL`,
  );
  await pool.query('VACUUM (ANALYZE) experiment_outcomes');
  const indexMs = elapsedMs(indexStart);
  const drawdownFn = q(DRAWDOWN_SQL);
  const indexedName =
    'drawdown query, with index (experiment_id, variant, prediction_at, prediction_id) INCLUDE (trade_return)';
  const indexed = await timeEvidence(indexedName, drawdownFn);
  rows.push([indexedName, ms(indexed.median), spread(indexed), indexed.runs.length]);
  const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${DRAWDOWN_SQL}`,
    [experimentId],
  );
  const indexSize = await pool.query<{ size: string }>(
    `SELECT pg_size_pretty(pg_relation_size('bench_outcomes_arm_time_idx')) AS size`,
  );
  await pool.query('DROP INDEX bench_outcomes_arm_time_idx');

  console.log('\nparts and rewrites (median of 3 runs, 1 run when over 30 s; evidence for the suggestions)');
  printTable(['query', 'median', 'min – max', 'runs'], rows);
  console.log(
    `  (the index took ${(indexMs / 1000).toFixed(1)} s to build + vacuum, ${indexSize.rows[0]?.size}; dropped again)`,
  );
  console.log('\nEXPLAIN (ANALYZE, BUFFERS) — drawdown query with that index');
  for (const r of plan) console.log(`  ${r['QUERY PLAN']}`);
}

run().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
