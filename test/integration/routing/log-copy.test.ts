import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  assignmentEncoder,
  copyAssignments,
  copyPredictions,
  encodeRows,
  predictionEncoder,
  type AssignmentLogRow,
  type PredictionLogRow,
} from '../../../src/db/repositories/routing-log.repository';
import { uuidv7 } from '../../../src/routing/service/ids/uuid-v7';
import { BatchLog } from '../../../src/routing/service/logs/batch-log';
import { createRouterLogger } from '../../../src/routing/service/observability/router-logger';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

describe('router logs written with binary COPY', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let modelId: string;
  let versionId: string;
  let experimentId: string;

  before(async () => {
    database = await createTestDatabase();
    const { pool } = database;
    modelId = (
      await pool.query(
        `INSERT INTO models (name, prediction_target, feature_schema) VALUES ('copy-m', 'prob_up', '{"version":1,"names":["a","b"]}') RETURNING model_id`,
      )
    ).rows[0].model_id;
    const onnx = Buffer.from('not onnx');
    versionId = (
      await pool.query(
        `INSERT INTO model_versions (model_id, version, trainer, feature_schema, onnx, onnx_sha256, created_by)
         VALUES ($1, 1, 'logreg', '{}', $2, $3, 'test') RETURNING version_id`,
        [modelId, onnx, createHash('sha256').update(onnx).digest('hex')],
      )
    ).rows[0].version_id;
    experimentId = await newExperiment('copy-e');
    await pool.query(
      `INSERT INTO experiment_variants (experiment_id, variant, model_id, version_id, weight, is_control)
       VALUES ($1, 'control', $2, $3, 0.5, true), ($1, 'treatment', $2, $3, 0.5, false)`,
      [experimentId, modelId, versionId],
    );
  });
  after(() => database.drop());

  async function newExperiment(name: string): Promise<string> {
    const { rows } = await database.pool.query(
      `INSERT INTO experiments (model_id, name, status, salt, policy, ended_at) VALUES ($1, $2, 'stopped', 's', '{}', now()) RETURNING experiment_id`,
      [modelId, name],
    );
    return rows[0].experiment_id;
  }

  const prediction = (overrides: Partial<PredictionLogRow> = {}): PredictionLogRow => ({
    predictionId: uuidv7(),
    modelId,
    versionId,
    experimentId: null,
    variant: null,
    unitId: 'acct-1',
    features: [0.1, -2.5],
    output: 0.61,
    isShadow: false,
    servedPredictionId: null,
    createdAtMs: Date.now(),
    ...overrides,
  });
  const assignment = (overrides: Partial<AssignmentLogRow> = {}): AssignmentLogRow => ({
    assignmentId: uuidv7(),
    experimentId,
    variant: 'treatment',
    unitId: 'acct-1',
    assignedAtMs: Date.now(),
    ...overrides,
  });

  it('stores every field exactly: awkward unit ids, NULLs, shadow rows, doubles bit for bit and millisecond times', async () => {
    const awkward = [
      'tab\there',
      'line\nbreak',
      'back\\slash',
      'cr\rlf',
      'quote"s and {braces,}',
      'ünï𝛼',
      '\\N',
    ];
    const served = prediction({
      experimentId,
      variant: 'treatment',
      features: [0.1 + 0.2, 5e-324, -0, -123.456e-7, 1.7976931348623157e308, -1e-300],
      output: 1 / 3,
      createdAtMs: Date.UTC(2026, 10, 26, 14, 0, 0, 7),
    });
    const rows = [
      served,
      ...awkward.map((unitId) => prediction({ unitId })),
      prediction({
        isShadow: true,
        servedPredictionId: served.predictionId,
        createdAtMs: Date.UTC(2026, 0, 1, 0, 0, 59, 999),
      }),
    ];
    await copyPredictions(database.pool, encodeRows(predictionEncoder, rows));
    const { rows: stored } = await database.pool.query(
      `SELECT prediction_id, model_id, version_id, experiment_id, variant, unit_id, features, output, is_shadow,
              served_prediction_id, (extract(epoch FROM created_at) * 1000)::float8 AS at_ms
         FROM predictions WHERE prediction_id = ANY($1::uuid[])`,
      [rows.map((r) => r.predictionId)],
    );
    const byId = new Map(stored.map((r) => [r.prediction_id as string, r]));
    for (const row of rows) {
      const s = byId.get(row.predictionId);
      assert.ok(s, `row ${row.predictionId} stored`);
      assert.equal(s.model_id, modelId);
      assert.equal(s.version_id, versionId);
      assert.equal(s.experiment_id, row.experimentId);
      assert.equal(s.variant, row.variant);
      assert.equal(s.unit_id, row.unitId);
      assert.deepEqual(s.features, row.features.map(Number));
      // Binary COPY stores doubles bit for bit, negative zero included.
      assert.ok(Object.is(s.features[2], row.features[2]), 'negative zero survives');
      assert.equal(s.output, row.output);
      assert.equal(s.is_shadow, row.isShadow);
      assert.equal(s.served_prediction_id, row.servedPredictionId);
      assert.equal(s.at_ms, row.createdAtMs);
    }

    const assignments = awkward.map((unitId) => assignment({ unitId, variant: `v\\${unitId}` }));
    await copyAssignments(database.pool, encodeRows(assignmentEncoder, assignments));
    const { rows: storedAssignments } = await database.pool.query(
      `SELECT assignment_id, experiment_id, variant, unit_id, (extract(epoch FROM assigned_at) * 1000)::float8 AS at_ms
         FROM experiment_assignments WHERE assignment_id = ANY($1::uuid[]) ORDER BY assignment_id`,
      [assignments.map((a) => a.assignmentId)],
    );
    assert.deepEqual(
      storedAssignments.map((r) => [r.assignment_id, r.experiment_id, r.variant, r.unit_id, r.at_ms]),
      assignments.map((a) => [a.assignmentId, a.experimentId, a.variant, a.unitId, a.assignedAtMs]),
    );
  });

  it('stores each row once when a committed batch is sent again, with or without new rows', async () => {
    const first = Array.from({ length: 50 }, () => assignment());
    const later = Array.from({ length: 30 }, () => assignment());
    await copyAssignments(database.pool, encodeRows(assignmentEncoder, first));
    // The retry after a lost commit acknowledgement, and a batch overlapping it.
    await copyAssignments(database.pool, encodeRows(assignmentEncoder, first));
    await copyAssignments(database.pool, encodeRows(assignmentEncoder, [...first.slice(25), ...later]));
    const { rows } = await database.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT assignment_id)::int AS d FROM experiment_assignments WHERE assignment_id = ANY($1::uuid[])`,
      [[...first, ...later].map((a) => a.assignmentId)],
    );
    assert.deepEqual(rows[0], { n: 80, d: 80 });

    const predictions = Array.from({ length: 20 }, () => prediction());
    await copyPredictions(database.pool, encodeRows(predictionEncoder, predictions));
    await copyPredictions(database.pool, encodeRows(predictionEncoder, predictions));
    const { rows: p } = await database.pool.query(
      `SELECT count(*)::int AS n FROM predictions WHERE prediction_id = ANY($1::uuid[])`,
      [predictions.map((r) => r.predictionId)],
    );
    assert.equal(p[0].n, 20);
  });

  it('refuses a row that references a missing experiment, model or version with SQLSTATE 23503, storing nothing of the batch', async () => {
    const missing = '01890000-0000-7000-8000-0000000000ff';
    const good = assignment();
    await assert.rejects(
      copyAssignments(
        database.pool,
        encodeRows(assignmentEncoder, [good, assignment({ experimentId: missing })]),
      ),
      (error: { code?: string; message: string }) =>
        error.code === '23503' && error.message.includes(missing),
    );
    for (const [bad, named] of [
      [prediction({ modelId: '999999' }), 'model_id 999999'],
      [prediction({ versionId: '999999' }), 'version_id 999999'],
      [prediction({ experimentId, variant: 'no-such-arm' }), 'variant no-such-arm'],
    ] as const) {
      await assert.rejects(
        copyPredictions(database.pool, encodeRows(predictionEncoder, [prediction(), bad])),
        (error: { code?: string; message: string }) =>
          error.code === '23503' && error.message.includes(named),
      );
    }
    const { rows } = await database.pool.query(
      `SELECT count(*)::int AS n FROM experiment_assignments WHERE assignment_id = $1`,
      [good.assignmentId],
    );
    assert.equal(rows[0].n, 0);
  });

  it('drops only the bad row of a logged batch and stores the others (through the batched log)', async () => {
    const log = new BatchLog({
      name: 'assignments',
      encoder: assignmentEncoder,
      write: (batch) => copyAssignments(database.pool, batch.payload),
      maxBuffered: 1_000,
      maxBatch: 1_000,
      flushIntervalMs: 60_000,
      metrics: {
        flushed: () => {},
        dropped: () => {},
        lag: () => {},
        buffered: () => {},
        databaseUp: () => {},
      },
      logger: createRouterLogger('error', () => undefined),
    });
    const rows = Array.from({ length: 40 }, (_, i) =>
      assignment(i === 17 ? { experimentId: '01890000-0000-7000-8000-0000000000fe' } : {}),
    );
    for (const row of rows) log.append(row.assignmentId, row.assignedAtMs, row);
    await log.flush();
    const { rows: stored } = await database.pool.query(
      `SELECT assignment_id FROM experiment_assignments WHERE assignment_id = ANY($1::uuid[])`,
      [rows.map((r) => r.assignmentId)],
    );
    assert.deepEqual(
      stored.map((r) => r.assignment_id as string).sort(),
      rows
        .filter((_, i) => i !== 17)
        .map((r) => r.assignmentId)
        .sort(),
    );
  });

  it('keeps a referenced experiment or model from being deleted or re-keyed, and lets an unreferenced one go', async () => {
    await assert.rejects(
      database.pool.query(`DELETE FROM experiments WHERE experiment_id = $1`, [experimentId]),
      (error: { code?: string }) => error.code === '23503',
    );
    await assert.rejects(
      database.pool.query(
        `UPDATE experiments SET experiment_id = gen_random_uuid() WHERE experiment_id = $1`,
        [experimentId],
      ),
      (error: { code?: string }) => error.code === '23503',
    );
    await assert.rejects(
      database.pool.query(`DELETE FROM models WHERE model_id = $1`, [modelId]),
      (error: { code?: string }) => error.code === '23503',
    );
    // The arm the first test's prediction was attributed to.
    await assert.rejects(
      database.pool.query(
        `DELETE FROM experiment_variants WHERE experiment_id = $1 AND variant = 'treatment'`,
        [experimentId],
      ),
      (error: { code?: string; message: string }) =>
        error.code === '23503' && /rows of "predictions" still reference it/.test(error.message),
    );
    await database.pool.query(
      `DELETE FROM experiment_variants WHERE experiment_id = $1 AND variant = 'control'`,
      [experimentId],
    );
    // Changing anything but the key is not a reference change.
    await database.pool.query(`UPDATE experiments SET name = 'renamed' WHERE experiment_id = $1`, [
      experimentId,
    ]);
    // The parent check cannot see rows other transactions commit meanwhile outside READ COMMITTED,
    // and TRUNCATE fires no row trigger: both are refused while logged rows exist.
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await assert.rejects(
        client.query(`DELETE FROM experiment_variants WHERE experiment_id = $1 AND variant = 'treatment'`, [
          experimentId,
        ]),
        (error: { code?: string; message: string }) =>
          error.code === '0A000' && /READ COMMITTED/.test(error.message),
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    for (const table of ['models', 'experiments', 'experiment_variants']) {
      await assert.rejects(
        database.pool.query(`TRUNCATE ${table} CASCADE`),
        (error: { code?: string; message: string }) =>
          error.code === '23503' && /truncate/.test(error.message),
        table,
      );
    }
    const unused = await newExperiment('never-routed');
    const deleted = await database.pool.query(`DELETE FROM experiments WHERE experiment_id = $1`, [unused]);
    assert.equal(deleted.rowCount, 1);
  });
});
