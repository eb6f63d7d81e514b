import assert from 'node:assert/strict';
import { checkDrift } from '../../../src/lifecycle/check-drift';
import { backtestPolicy } from '../../../src/lifecycle/backtest/backtest-policy';
import { prepareBacktest } from '../../../src/lifecycle/backtest/run-backtest';
import { windowDriftCheck } from '../../../src/lifecycle/backtest/strategy-walk';
import { RELAXED_GATE, seedChampion } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

// The live check (`checkDrift`, what the supervisor's activity runs) and the backtest's check on the
// same champion and the same window of bars give the same verdict, feature by feature: the backtest
// decides with the drift-check core, not a copy of it.
describe('backtest drift checks decide as the live drift check (real PostgreSQL)', function () {
  this.timeout(240_000);
  let database: TestDatabase;
  let seeded: Awaited<ReturnType<typeof seedChampion>>;
  const model = 'bt-parity';
  const trainBars = 900;

  before(async () => {
    database = await createTestDatabase();
    // `models train` on bars [0, 899]; a volatile regime (3× the volatility) from bar 1000 on gives the
    // later windows drift (2× was not enough once the thresholds came from the two-scale calibration).
    seeded = await seedChampion(database, {
      model,
      seed: 5,
      bars: 1400,
      trainBars,
      shift: { atBar: 1000, regime: 'volatile', volatilityMultiplier: 3 },
    });
  });
  after(async () => {
    await database?.drop();
  });

  it('gives the same drifted share, per-feature statistics and verdicts on the same windows', async () => {
    const prepared = await prepareBacktest(seeded.bars, {
      symbol: seeded.symbol,
      timeframe: '1h',
      initialBars: trainBars,
      gatePolicy: RELAXED_GATE,
      infra: { loaded: true, p99LatencyMs: 0.1 },
      baselines: [],
    });
    const { market, initial } = prepared.ctx;
    const policy = backtestPolicy(market.barMs, {
      minDriftSamples: 100,
      driftShare: 0.5,
      driftThresholds: 'calibrated',
      performance: { enabled: false },
    });
    const verdicts: boolean[] = [];
    for (const [first, last] of [
      [400, 519],
      [1100, 1219],
      [1250, 1389],
    ] as const) {
      const from = market.times[first]!;
      const to = market.times[last]!;
      const live = await checkDrift(database.db, {
        model,
        source: 'bars',
        from: new Date(from),
        to: new Date(to),
        minSamples: 100,
        share: 0.5,
        thresholds: 'calibrated',
        record: false,
      });
      const rows = Array.from({ length: last - first + 1 }, (_, i) => first + i);
      const backtest = windowDriftCheck({
        market,
        champion: initial,
        rows,
        outputs: [],
        policy,
        now: to,
        window: { from, to },
        outcomes: () => ({ bars: [] }),
      });
      assert.equal(live.status, 'checked', live.reason);
      assert.equal(backtest.sampleSize, live.sampleSize);
      assert.equal(backtest.thresholds, live.thresholds);
      assert.equal(backtest.drifted, live.drifted, `window ${first}–${last}`);
      assert.equal(backtest.share, live.share);
      assert.deepEqual(backtest.features, live.features);
      verdicts.push(live.drifted!);
    }
    // Not vacuous: a window of the training period is stable, the volatile ones drifted.
    assert.deepEqual(verdicts, [false, true, true]);
  });
});
