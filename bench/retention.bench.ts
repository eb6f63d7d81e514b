// Retention of the prediction log (issue 16): removing the oldest days of `predictions` with the
// batched DELETE retention runs (pruneBatch, the production code, BENCH_BATCH rows a statement),
// against dropping the same days as daily partitions of a copy of the table partitioned by
// created_at, measured in the same run on the same rows. Also measured, because it is what
// partitioning would cost: the router's outcome lookup by prediction_id alone (one primary-key
// probe today; one probe per partition on a table partitioned by time, since the key then has to
// include created_at and the lookup does not know it).
//
// Run: npx ts-node bench/retention.bench.ts
// Env: BENCH_ROWS (default 1,000,000 predictions), BENCH_DAYS (days they span, default 100),
//      BENCH_PRUNE_DAYS (oldest days removed, default 10), BENCH_BATCH (rows per DELETE, 5,000),
//      BENCH_LOOKUPS (outcome lookups timed per table, default 2,000).
// Starts an embedded PostgreSQL on 127.0.0.1 in a temporary directory and removes it afterwards.

import { performance } from 'node:perf_hooks';
import { pruneBatch } from '../src/db/repositories/retention.repository';
import { ensureModel } from '../src/db/repositories/model.repository';
import { elapsedMs, fmt, printTable, withBenchStack } from './support/bench-stack';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 100);
const PRUNE_DAYS = Number(process.env.BENCH_PRUNE_DAYS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 2_000);
const CHUNK = 200_000;
const DAY_MS = 86_400_000;

void withBenchStack({}, async ({ database }) => {
  const { pool, db } = database;
  const model = await ensureModel(db, {
    name: 'bench-retention',
    predictionTarget: 'prob_up',
    featureSchema: { version: 'v1', names: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] },
  });
  const version = await pool.query<{ version_id: string }>(
    `INSERT INTO model_versions (model_id, version, trainer, feature_schema, onnx, onnx_sha256, created_by)
     VALUES ($1, 1, 'logistic-regression', '{}', '\\x00', repeat('0', 64), 'bench') RETURNING version_id`,
    [model.model_id],
  );
  const versionId = version.rows[0]!.version_id;
  // Day 0 starts at midnight UTC, DAYS days ago; rows are spread evenly, in time order.
  const start = Math.floor((Date.now() - DAYS * DAY_MS) / DAY_MS) * DAY_MS;
  const stepMs = (DAYS * DAY_MS) / ROWS;

  console.log(
    `retention bench: ${fmt(ROWS)} predictions over ${DAYS} days; removing the oldest ${PRUNE_DAYS} days`,
  );
  let t0 = performance.now();
  // Ids as the router makes them (UUIDv7: 48 bits of milliseconds first), so both tables see the
  // same time-ordered key.
  for (let from = 0; from < ROWS; from += CHUNK) {
    await pool.query(
      `INSERT INTO predictions (prediction_id, model_id, version_id, unit_id, features, output, created_at)
       SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(md5(i::text), 1, 19))::uuid, $1, $2,
              'unit-' || (i % 1000), ARRAY[random(), random(), random(), random(), random(), random(), random(), random()],
              random(), to_timestamp(ms / 1000.0)
       FROM (SELECT i, ($3::bigint + floor(i * $4::float8))::bigint AS ms
             FROM generate_series($5::bigint, $6::bigint) AS i) s`,
      [model.model_id, versionId, start, stepMs, from, Math.min(from + CHUNK, ROWS) - 1],
    );
  }
  const loadS = elapsedMs(t0) / 1000;

  // The same rows in a copy partitioned by day, with the same indexes (the primary key must now
  // include the partition key).
  t0 = performance.now();
  await pool.query(`CREATE TABLE predictions_by_day (LIKE predictions INCLUDING DEFAULTS)
                    PARTITION BY RANGE (created_at)`);
  await pool.query(`ALTER TABLE predictions_by_day ADD PRIMARY KEY (prediction_id, created_at)`);
  for (let d = 0; d < DAYS + 1; d++) {
    const from = new Date(start + d * DAY_MS).toISOString();
    const to = new Date(start + (d + 1) * DAY_MS).toISOString();
    await pool.query(
      `CREATE TABLE predictions_day_${d} PARTITION OF predictions_by_day FOR VALUES FROM ('${from}') TO ('${to}')`,
    );
  }
  await pool.query(`CREATE INDEX ON predictions_by_day USING brin (created_at) WITH (pages_per_range = 32)`);
  await pool.query(`CREATE INDEX ON predictions_by_day (model_id, created_at)`);
  await pool.query(`CREATE INDEX ON predictions_by_day (served_prediction_id) WHERE is_shadow`);
  await pool.query(`INSERT INTO predictions_by_day SELECT * FROM predictions`);
  await pool.query('VACUUM (ANALYZE) predictions');
  await pool.query('VACUUM (ANALYZE) predictions_by_day');
  const copyS = elapsedMs(t0) / 1000;
  console.log(`loaded in ${fmt(loadS, 1)} s, partitioned copy in ${fmt(copyS, 1)} s`);

  // Outcome lookups by prediction id, on ids spread over the whole table, before anything is removed.
  const sample = await pool.query<{ prediction_id: string }>(
    `SELECT prediction_id FROM predictions TABLESAMPLE SYSTEM (1) LIMIT $1`,
    [LOOKUPS],
  );
  const ids = sample.rows.map((r) => r.prediction_id);
  const lookup = async (table: string) => {
    const client = await pool.connect();
    try {
      for (const id of ids.slice(0, 100))
        await client.query(`SELECT 1 FROM ${table} WHERE prediction_id = $1`, [id]);
      const t = performance.now();
      for (const id of ids) await client.query(`SELECT 1 FROM ${table} WHERE prediction_id = $1`, [id]);
      return elapsedMs(t) / ids.length;
    } finally {
      client.release();
    }
  };
  const lookupPlainMs = await lookup('predictions');
  const lookupPartitionedMs = await lookup('predictions_by_day');

  const cutoff = new Date(start + PRUNE_DAYS * DAY_MS);
  const expected = Number(
    (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM predictions WHERE created_at < $1`, [cutoff]))
      .rows[0]!.n,
  );

  // Delete by age, as a retention run does it.
  t0 = performance.now();
  let removed = 0;
  let batches = 0;
  let after: string | null = null;
  let slowestBatchMs = 0;
  for (;;) {
    const tb = performance.now();
    const step = await pruneBatch(db, 'predictions', { cutoff, after, limit: BATCH, dryRun: false });
    slowestBatchMs = Math.max(slowestBatchMs, elapsedMs(tb));
    removed += step.rows;
    batches += 1;
    if (step.lastKey !== null) after = step.lastKey;
    if (step.rows < BATCH) break;
  }
  const deleteMs = elapsedMs(t0);
  // The deleted rows are dead tuples until vacuumed; autovacuum does this later, but it is work the
  // delete caused, so it is counted.
  t0 = performance.now();
  await pool.query('VACUUM predictions');
  const vacuumMs = elapsedMs(t0);

  // Drop the same days as partitions (DETACH first, as a live system would, so readers are not blocked).
  t0 = performance.now();
  for (let d = 0; d < PRUNE_DAYS; d++) {
    await pool.query(`ALTER TABLE predictions_by_day DETACH PARTITION predictions_day_${d}`);
    await pool.query(`DROP TABLE predictions_day_${d}`);
  }
  const dropMs = elapsedMs(t0);
  const left = await pool.query<{ plain: string; partitioned: string }>(
    `SELECT (SELECT count(*) FROM predictions) AS plain, (SELECT count(*) FROM predictions_by_day) AS partitioned`,
  );
  if (removed !== expected || left.rows[0]!.plain !== left.rows[0]!.partitioned) {
    throw new Error(
      `the two ways removed different rows: delete ${removed} of ${expected}; left ${JSON.stringify(left.rows[0])}`,
    );
  }

  console.log('');
  printTable(
    ['way', 'rows removed', 'ms', 'ms per 100k rows', 'longest statement ms'],
    [
      [
        'batched DELETE (retention)',
        fmt(removed),
        fmt(deleteMs),
        fmt((deleteMs / removed) * 1e5),
        fmt(slowestBatchMs, 1),
      ],
      ['  + VACUUM of the dead rows', '', fmt(vacuumMs), fmt((vacuumMs / removed) * 1e5), fmt(vacuumMs)],
      ['DETACH + DROP PARTITION', fmt(removed), fmt(dropMs), fmt((dropMs / removed) * 1e5), '-'],
    ],
  );
  console.log('');
  printTable(
    ['outcome lookup by prediction_id', 'ms per lookup'],
    [
      ['predictions (one primary-key probe)', fmt(lookupPlainMs, 3)],
      [`partitioned by day (${DAYS + 1} partitions)`, fmt(lookupPartitionedMs, 3)],
    ],
  );
  console.log('');
  console.log(
    `ratio delete+vacuum / drop partition: ${fmt((deleteMs + vacuumMs) / dropMs, 1)}x ` +
      `(delete alone ${fmt(deleteMs / dropMs, 1)}x); ` +
      `ratio of lookup cost partitioned / plain: ${fmt(lookupPartitionedMs / lookupPlainMs, 1)}x; ` +
      `${batches} batches of up to ${fmt(BATCH)} rows`,
  );
});
