import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { AliasConflictError } from '../../../src/db/errors';
import { moveAlias } from '../../../src/db/repositories/alias.repository';
import {
  endExperiment,
  ExperimentEndedError,
  promoteWinner,
  raiseExperimentCoverage,
  setLiveExperimentStatus,
  type PromoteWinnerInput,
} from '../../../src/db/repositories/experiment.repository';
import { getVersion } from '../../../src/db/repositories/version.repository';
import {
  aliasVersions,
  createChallengerExperiment,
  experimentRow,
  seedExperimentModel,
} from '../../support/experiment-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/**
 * The promotion that ends a winning experiment, as the repository stores it (real PostgreSQL): one
 * transaction for champion, challenger and the experiment's end, safe to retry, all-or-nothing.
 */
describe('promoteWinner and the ends of an experiment (real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;

  before(async function () {
    this.timeout(180_000);
    database = await createTestDatabase();
  });
  after(async () => database?.drop());

  async function running(model: string, seed: number) {
    const seeded = await seedExperimentModel(database, model, seed);
    const experimentId = await createChallengerExperiment(database, model, {});
    await setLiveExperimentStatus(database.db, experimentId, 'running');
    const input: PromoteWinnerInput = {
      experimentId,
      model,
      winnerVariant: 'challenger',
      winnerVersion: 2,
      winnerVersionId: seeded.challengerVersionId,
      controlVersionId: seeded.championVersionId,
      reason: 'challenger beats control',
      results: { looks: 3 },
      changedBy: `experiment:${experimentId}`,
    };
    return { ...seeded, experimentId, input };
  }

  const historyOf = (model: string) =>
    database.db
      .selectFrom('model_alias_history as h')
      .innerJoin('models as m', 'm.model_id', 'h.model_id')
      .select(['h.alias', 'h.version_id', 'h.reason'])
      .where('m.name', '=', model)
      .orderBy('h.history_id')
      .execute();

  it('stores champion, challenger and the end together, and a second run changes nothing', async () => {
    const model = 'promote-twice';
    const { experimentId, input } = await running(model, 1);

    assert.deepEqual(await promoteWinner(database.db, input), { promoted: true });
    const afterFirst = {
      aliases: await aliasVersions(database, model),
      history: await historyOf(model),
      row: await experimentRow(database, experimentId),
    };
    assert.deepEqual(afterFirst.aliases, [['champion', 2]]);
    assert.equal(afterFirst.row.status, 'completed');
    assert.equal(afterFirst.row.winner_variant, 'challenger');
    assert.equal(afterFirst.row.completion_reason, 'challenger beats control');
    assert.deepEqual(afterFirst.row.results, { looks: 3 });
    assert.ok(afterFirst.row.ended_at);
    assert.equal((await getVersion(database.db, model, 2)).stage, 'production');
    assert.equal((await getVersion(database.db, model, 1)).stage, 'archived');

    // The retry of an attempt whose answer was lost: same state, no new history rows.
    assert.deepEqual(await promoteWinner(database.db, input), { promoted: false });
    assert.deepEqual(await aliasVersions(database, model), afterFirst.aliases);
    assert.deepEqual(await historyOf(model), afterFirst.history);
    assert.deepEqual(await experimentRow(database, experimentId), afterFirst.row);
  });

  it('a failure at its last write leaves nothing half done, and the retry completes it', async () => {
    const model = 'promote-fail';
    const { experimentId, input } = await running(model, 2);
    const before = { aliases: await aliasVersions(database, model), history: await historyOf(model) };
    // A fault injected into the database itself: the experiment's end (the last of the three writes)
    // fails after champion and challenger have moved inside the transaction.
    await sql`
      CREATE FUNCTION fail_experiment_end() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'completed' THEN RAISE EXCEPTION 'injected failure while ending the experiment'; END IF;
        RETURN NEW;
      END $$`.execute(database.db);
    await sql`CREATE TRIGGER fail_experiment_end BEFORE UPDATE ON experiments FOR EACH ROW EXECUTE FUNCTION fail_experiment_end()`.execute(
      database.db,
    );
    try {
      await assert.rejects(promoteWinner(database.db, input), /injected failure while ending the experiment/);
    } finally {
      await sql`DROP TRIGGER fail_experiment_end ON experiments`.execute(database.db);
      await sql`DROP FUNCTION fail_experiment_end()`.execute(database.db);
    }
    assert.deepEqual(
      await aliasVersions(database, model),
      before.aliases,
      'champion and challenger unchanged',
    );
    assert.deepEqual(await historyOf(model), before.history, 'no alias history written');
    assert.deepEqual(before.aliases, [
      ['challenger', 2],
      ['champion', 1],
    ]);
    const row = await experimentRow(database, experimentId);
    assert.equal(row.status, 'running');
    assert.equal(row.ended_at, null);

    assert.deepEqual(await promoteWinner(database.db, input), { promoted: true });
    assert.deepEqual(await aliasVersions(database, model), [['champion', 2]]);
    assert.equal((await experimentRow(database, experimentId)).status, 'completed');
  });

  it('refuses on a real conflict (champion moved meanwhile) and changes nothing', async () => {
    const model = 'promote-conflict';
    const { experimentId, input } = await running(model, 33);
    // Someone moved champion away from the control's version during the experiment.
    await moveAlias(database.db, {
      model,
      alias: 'champion',
      version: null,
      changedBy: 'operator',
      reason: 'manual roll-back',
    });
    const before = { aliases: await aliasVersions(database, model), history: await historyOf(model) };
    await assert.rejects(promoteWinner(database.db, input), AliasConflictError);
    assert.deepEqual(await aliasVersions(database, model), before.aliases);
    assert.deepEqual(await historyOf(model), before.history);
    assert.equal((await experimentRow(database, experimentId)).status, 'running');
  });

  it('an experiment that has ended stays ended: no promotion, no pause or resume, no ramp; the first end wins', async () => {
    const model = 'promote-ended';
    const { experimentId, input } = await running(model, 34);
    assert.deepEqual(
      await endExperiment(database.db, experimentId, 'stopped', {
        winner: null,
        reason: 'stopped by operator',
      }),
      { ended: true, status: 'stopped' },
    );
    await assert.rejects(promoteWinner(database.db, input), ExperimentEndedError);
    await assert.rejects(setLiveExperimentStatus(database.db, experimentId, 'running'), ExperimentEndedError);
    await assert.rejects(raiseExperimentCoverage(database.db, experimentId, 1), ExperimentEndedError);
    assert.deepEqual(
      await endExperiment(database.db, experimentId, 'failed', { reason: 'workflow failed: late' }),
      { ended: false, status: 'stopped' },
    );
    const row = await experimentRow(database, experimentId);
    assert.equal(row.status, 'stopped');
    assert.equal(row.completion_reason, 'stopped by operator');
    assert.deepEqual(await aliasVersions(database, model), [
      ['challenger', 2],
      ['champion', 1],
    ]);
  });
});
