import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AliasConflictError, ModelNotFoundError, RegistryConflictError } from '../../../src/db/errors';
import {
  aliasAt,
  aliasHistory,
  getAliases,
  moveAlias,
  rollbackChampion,
} from '../../../src/db/repositories/alias.repository';
import { ensureModel } from '../../../src/db/repositories/model.repository';
import {
  getArtifact,
  getVersion,
  listVersions,
  registerVersion,
} from '../../../src/db/repositories/version.repository';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const schema = { version: 1, names: ['ret_1', 'vol_10'] };

describe('model registry', function () {
  this.timeout(60_000);
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
    await ensureModel(database.db, { name: 'btc-1d', predictionTarget: 'prob_up', featureSchema: schema });
  });
  afterEach(() => database.drop());

  const register = (extra: Partial<Parameters<typeof registerVersion>[1]> = {}) =>
    registerVersion(database.db, {
      model: 'btc-1d',
      trainer: 'logreg',
      onnx: Buffer.from(`artifact-${Math.random()}`),
      featureSchema: schema,
      createdBy: 'test',
      ...extra,
    });

  it('gives concurrent registrations of one model distinct consecutive numbers', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => register()));
    assert.deepEqual(
      results.map((r) => r.version.version).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });

  it('returns the first registration when an idempotency key is repeated', async () => {
    const first = await register({ idempotencyKey: 'retrain:btc-1d:1' });
    const again = await register({ idempotencyKey: 'retrain:btc-1d:1' });
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.version.version_id, first.version.version_id);
    assert.equal((await listVersions(database.db, 'btc-1d')).length, 1);
  });

  it('stores the artifact with its sha256 and lineage', async () => {
    const parent = await register({ onnx: Buffer.from('v1') });
    const child = await register({ onnx: Buffer.from('v2'), parentVersionId: parent.version.version_id });
    assert.equal(child.version.parent_version_id, parent.version.version_id);
    assert.equal(child.version.onnx_sha256, createHash('sha256').update('v2').digest('hex'));
    assert.deepEqual(await getArtifact(database.db, child.version.version_id), Buffer.from('v2'));
  });

  it('refuses a model name reused with another target or feature schema', async () => {
    await assert.rejects(
      ensureModel(database.db, {
        name: 'btc-1d',
        predictionTarget: 'price_change_pct',
        featureSchema: schema,
      }),
      RegistryConflictError,
    );
    await assert.rejects(
      ensureModel(database.db, {
        name: 'btc-1d',
        predictionTarget: 'prob_up',
        featureSchema: { version: 2, names: ['x'] },
      }),
      /feature schema v1 \(2 features\)/,
    );
    await assert.rejects(getVersion(database.db, 'eth-1d', 1), ModelNotFoundError);
  });

  it('moves aliases by compare-and-set and keeps stages consistent', async () => {
    const v1 = (await register()).version;
    const v2 = (await register()).version;
    await moveAlias(database.db, {
      model: 'btc-1d',
      alias: 'champion',
      version: 1,
      expectedVersionId: null,
      changedBy: 't',
    });
    await moveAlias(database.db, {
      model: 'btc-1d',
      alias: 'challenger',
      version: 2,
      expectedVersionId: null,
      changedBy: 't',
    });
    assert.equal((await getVersion(database.db, 'btc-1d', 1)).stage, 'production');
    assert.equal((await getVersion(database.db, 'btc-1d', 2)).stage, 'staging');

    // A writer that read an old state loses.
    await assert.rejects(
      moveAlias(database.db, {
        model: 'btc-1d',
        alias: 'champion',
        version: 2,
        expectedVersionId: v2.version_id,
        changedBy: 't',
      }),
      AliasConflictError,
    );
    const promoted = await moveAlias(database.db, {
      model: 'btc-1d',
      alias: 'champion',
      version: 2,
      expectedVersionId: v1.version_id,
      changedBy: 't',
    });
    assert.equal(promoted.changed, true);
    // Repeating a move that already happened is a no-op, not a conflict.
    const repeated = await moveAlias(database.db, {
      model: 'btc-1d',
      alias: 'champion',
      version: 2,
      expectedVersionId: v1.version_id,
      changedBy: 't',
    });
    assert.equal(repeated.changed, false);
    await moveAlias(database.db, { model: 'btc-1d', alias: 'challenger', version: null, changedBy: 't' });
    assert.equal((await getVersion(database.db, 'btc-1d', 1)).stage, 'archived');
    assert.equal((await getVersion(database.db, 'btc-1d', 2)).stage, 'production');
    assert.deepEqual(
      (await getAliases(database.db, 'btc-1d')).map((a) => [a.alias, a.version]),
      [['champion', 2]],
    );
  });

  it('answers which version was champion at any instant, and rolls back to the previous champion', async () => {
    await register();
    await register();
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await moveAlias(database.db, { model: 'btc-1d', alias: 'champion', version: 1, changedBy: 't' });
    const duringV1 = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await moveAlias(database.db, {
      model: 'btc-1d',
      alias: 'champion',
      version: 2,
      changedBy: 't',
      reason: 'won experiment',
    });
    const duringV2 = new Date();

    assert.equal(await aliasAt(database.db, 'btc-1d', 'champion', before), undefined);
    assert.equal((await aliasAt(database.db, 'btc-1d', 'champion', duringV1))?.version, 1);
    assert.equal((await aliasAt(database.db, 'btc-1d', 'champion', duringV2))?.version, 2);

    const rolled = await rollbackChampion(database.db, 'btc-1d', 'operator');
    assert.equal(rolled.version, 1);
    const history = await aliasHistory(database.db, 'btc-1d', 'champion');
    assert.deepEqual(
      history.map((h) => [h.version, h.validTo === null, h.reason]),
      [
        [1, false, ''],
        [2, false, 'won experiment'],
        [1, true, 'rollback'],
      ],
    );
    // Periods tile the timeline: each one ends exactly where the next begins.
    for (let i = 1; i < history.length; i++)
      assert.equal(history[i - 1]!.validTo!.getTime(), history[i]!.validFrom.getTime());
  });
});
