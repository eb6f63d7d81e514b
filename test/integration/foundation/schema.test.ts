import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const onnx = Buffer.from('not really onnx');
const sha = createHash('sha256').update(onnx).digest('hex');

describe('schema constraints', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let modelId: string;

  before(async () => {
    database = await createTestDatabase();
    const model = await database.pool.query(
      `INSERT INTO models (name, prediction_target, feature_schema) VALUES ('btc-1d', 'prob_up', '{"version":1,"names":["a"]}') RETURNING model_id`,
    );
    modelId = model.rows[0].model_id;
  });
  after(() => database.drop());

  async function insertVersion(version: number): Promise<string> {
    const { rows } = await database.pool.query(
      `INSERT INTO model_versions (model_id, version, trainer, feature_schema, onnx, onnx_sha256, created_by)
       VALUES ($1, $2, 'logreg', '{}', $3, $4, 'test') RETURNING version_id`,
      [modelId, version, onnx, sha],
    );
    return rows[0].version_id;
  }

  it('keeps model versions immutable except for their stage', async () => {
    const id = await insertVersion(1);
    await database.pool.query(`UPDATE model_versions SET stage = 'staging' WHERE version_id = $1`, [id]);
    await assert.rejects(
      database.pool.query(`UPDATE model_versions SET metrics = '{"auc":1}' WHERE version_id = $1`, [id]),
      /immutable: only stage may change/,
    );
    await assert.rejects(
      database.pool.query(`DELETE FROM model_versions WHERE version_id = $1`, [id]),
      /immutable/,
    );
  });

  it('rejects bars that cannot exist', async () => {
    await assert.rejects(
      database.pool.query(
        `INSERT INTO market_bars VALUES ('BTC', '1d', now(), 10, 9, 11, 10, 5)`, // high < low
      ),
      /check constraint/,
    );
  });

  it('allows one outcome per prediction', async () => {
    const insert = `INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, correct, prediction_at)
                    VALUES ('01890000-0000-7000-8000-000000000001', $1, 1, true, now()) ON CONFLICT DO NOTHING`;
    const first = await database.pool.query(insert, [modelId]);
    const second = await database.pool.query(insert, [modelId]);
    assert.equal(first.rowCount, 1);
    assert.equal(second.rowCount, 0);
  });

  it('computes accuracy as correct over labelled outcomes in the summary view', async () => {
    const v = await insertVersion(2);
    const { rows } = await database.pool.query(
      `INSERT INTO experiments (model_id, name, salt, status, started_at) VALUES ($1, 'e', 's', 'running', now()) RETURNING experiment_id`,
      [modelId],
    );
    const experimentId = rows[0].experiment_id;
    await database.pool.query(
      `INSERT INTO experiment_variants VALUES ($1, 'control', $2, $3, 0.5, true), ($1, 'treatment', $2, $3, 0.5, false)`,
      [experimentId, modelId, v],
    );
    const outcomes: Array<[string, boolean | null, number | null]> = [
      ['control', true, 0.01],
      ['control', false, -0.02],
      ['control', null, null],
      ['treatment', true, 0.03],
    ];
    let i = 100;
    for (const [variant, correct, ret] of outcomes) {
      await database.pool.query(
        `INSERT INTO experiment_outcomes (prediction_id, model_id, version_id, experiment_id, variant, correct, trade_return, prediction_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
        [`01890000-0000-7000-8000-000000000${i++}`, modelId, v, experimentId, variant, correct, ret],
      );
    }
    await database.pool.query('SELECT refresh_experiment_metrics_summary()');
    const summary = await database.pool.query(
      `SELECT variant, labelled, correct, accuracy, total_return FROM experiment_metrics_summary WHERE experiment_id = $1 ORDER BY variant`,
      [experimentId],
    );
    assert.deepEqual(
      summary.rows.map((r) => [
        r.variant,
        Number(r.labelled),
        Number(r.correct),
        r.accuracy,
        Number(r.total_return.toFixed(10)),
      ]),
      [
        ['control', 2, 1, 0.5, -0.01],
        ['treatment', 1, 1, 1, 0.03],
      ],
    );
  });

  it('allows at most one live experiment per model', async () => {
    await assert.rejects(
      database.pool.query(`INSERT INTO experiments (model_id, name, salt) VALUES ($1, 'second', 's2')`, [
        modelId,
      ]),
      /experiments_one_live_per_model_idx/,
    );
  });
});
