import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  loadArmAggregates,
  loadPairedBars,
  loadPeriodAggregates,
} from '../../../src/db/repositories/experiment-metrics.repository';
import { getVersionById } from '../../../src/db/repositories/version.repository';
import { createChallengerExperiment, seedExperimentModel } from '../../support/experiment-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

// The decision data comes from these queries: units by first assignment, per-unit sums for the delta
// method, per-period sums, and the shadow-paired bars. Real PostgreSQL, rows written as the router does.
describe('experiment metrics repository (real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let experimentId: string;

  before(async () => {
    database = await createTestDatabase();
    const seeded = await seedExperimentModel(database, 'metrics-repo', 3);
    experimentId = await createChallengerExperiment(database, 'metrics-repo', {});
    const v1 = await getVersionById(database.db, seeded.championVersionId);
    const v2 = await getVersionById(database.db, seeded.challengerVersionId);
    const t0 = Date.parse('2026-01-05T10:00:00Z');
    // u1: control twice (correct, wrong), u2: challenger once (correct), u3: first control, then
    // challenger (a bandit moved it): it counts once, for control, in the SRM units.
    const served = [
      { unit: 'u1', variant: 'control', v: v1, at: t0, output: 0.7, shadow: 0.4, correct: true, ret: 0.01 },
      {
        unit: 'u1',
        variant: 'control',
        v: v1,
        at: t0 + 60_000,
        output: 0.6,
        shadow: 0.8,
        correct: false,
        ret: -0.02,
      },
      {
        unit: 'u2',
        variant: 'challenger',
        v: v2,
        at: t0 + 120_000,
        output: 0.3,
        shadow: 0.55,
        correct: true,
        ret: 0.03,
      },
      {
        unit: 'u3',
        variant: 'control',
        v: v1,
        at: t0 + 3_600_000,
        output: 0.5,
        shadow: 0.5,
        correct: null,
        ret: null,
      },
      {
        unit: 'u3',
        variant: 'challenger',
        v: v2,
        at: t0 + 3_660_000,
        output: 0.9,
        shadow: 0.2,
        correct: true,
        ret: null,
      },
    ];
    for (const s of served) {
      const id = randomUUID();
      const other = s.v === v1 ? v2 : v1;
      await database.db
        .insertInto('predictions')
        .values([
          {
            prediction_id: id,
            model_id: s.v.model_id,
            version_id: s.v.version_id,
            experiment_id: experimentId,
            variant: s.variant,
            unit_id: s.unit,
            features: [0],
            output: s.output,
            created_at: new Date(s.at),
          },
          {
            prediction_id: randomUUID(),
            model_id: other.model_id,
            version_id: other.version_id,
            unit_id: s.unit,
            features: [0],
            output: s.shadow,
            is_shadow: true,
            served_prediction_id: id,
            created_at: new Date(s.at),
          },
        ])
        .execute();
      if (s.correct !== null || s.ret !== null)
        await database.db
          .insertInto('experiment_outcomes')
          .values({
            prediction_id: id,
            model_id: s.v.model_id,
            version_id: s.v.version_id,
            experiment_id: experimentId,
            variant: s.variant,
            correct: s.correct,
            trade_return: s.ret,
            prediction_at: new Date(s.at),
          })
          .execute();
    }
  });
  after(() => database.drop());

  it('counts units by their first assignment and sums outcomes per unit for the delta method', async () => {
    const arms = await loadArmAggregates(database.db, experimentId);
    const control = arms.find((a) => a.isControl)!;
    const challenger = arms.find((a) => !a.isControl)!;
    assert.equal(control.assignments, 3);
    assert.equal(control.units, 2, 'u1 and u3 were first assigned to control');
    assert.equal(challenger.units, 1, 'u3 does not count again');
    // control: u1 has 1 correct of 2 labelled; u3's control prediction has no outcome.
    assert.deepEqual(control.accuracyUnits, { units: 1, sumY: 1, sumN: 2, sumYY: 1, sumNN: 4, sumYN: 2 });
    // challenger: u2 1 of 1, u3 1 of 1.
    assert.deepEqual(challenger.accuracyUnits, { units: 2, sumY: 2, sumN: 2, sumYY: 2, sumNN: 2, sumYN: 2 });
    assert.equal(control.returnUnits!.units, 1);
    assert.ok(Math.abs(control.returnUnits!.sumY - -0.01) < 1e-12);
  });

  it('sums each arm per period in time order', async () => {
    const periods = await loadPeriodAggregates(database.db, experimentId, 3_600_000);
    assert.equal(periods.length, 2);
    assert.ok(periods[0]!.start < periods[1]!.start);
    assert.deepEqual(periods[0]!.arms.control, {
      decisions: 2,
      labelled: 2,
      correct: 1,
      returnsN: 2,
      returnSum: -0.01,
    });
    assert.equal(periods[0]!.arms.challenger!.decisions, 1);
    assert.equal(periods[1]!.arms.challenger!.correct, 1);
  });

  it('pairs each served prediction with its shadow twin, control as champion, label from `correct`', async () => {
    const bars = await loadPairedBars(database.db, experimentId, 'challenger');
    assert.equal(bars.length, 4, 'the bar without an outcome is left out');
    assert.deepEqual(
      bars.map((b) => [b.champion, b.challenger, b.label]),
      [
        [0.7, 0.4, 1],
        [0.6, 0.8, 0],
        [0.55, 0.3, 0],
        [0.2, 0.9, 1],
      ],
    );
    assert.ok(
      Math.abs(bars[1]!.marketReturn! - -0.02) < 1e-12,
      'trade return of a long signal is the market return',
    );
    assert.ok(Math.abs(bars[2]!.marketReturn! - -0.03) < 1e-12, 'of a short signal, its negative');
  });
});
