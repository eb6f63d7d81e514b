import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signalResponseSchema } from '../../../src/routing/service/api/response-schemas';
import {
  StrategyConfigError,
  type StrategiesFileInput,
} from '../../../src/routing/service/signal/strategy-config';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import { FEATURES_20, seedModel, startTestRouter, type TestRouter } from './support/routing-fixtures';

const strategies: StrategiesFileInput = {
  strategies: [
    {
      id: 'sl-tp',
      interpretation: 'prob_up',
      buyThreshold: 0.65,
      sellThreshold: 0.35,
      stopLossPct: 0.02,
      takeProfitPct: 0.04,
    },
    {
      id: 'sl-r2',
      interpretation: 'prob_up',
      buyThreshold: 0.65,
      sellThreshold: 0.35,
      stopLossPct: 0.02,
      rewardToRiskRatio: 2,
    },
    {
      id: 'tp-r2',
      interpretation: 'prob_up',
      buyThreshold: 0.65,
      sellThreshold: 0.35,
      takeProfitPct: 0.04,
      rewardToRiskRatio: 2,
    },
    {
      id: 'sl-r1',
      interpretation: 'prob_up',
      buyThreshold: 0.65,
      sellThreshold: 0.35,
      stopLossPct: 0.02,
      rewardToRiskRatio: 1,
    },
    {
      id: 'tp-r1',
      interpretation: 'prob_up',
      buyThreshold: 0.65,
      sellThreshold: 0.35,
      takeProfitPct: 0.04,
      rewardToRiskRatio: 1,
    },
    {
      id: 'limit',
      interpretation: 'prob_up',
      buyThreshold: 0.65,
      sellThreshold: 0.35,
      entryType: 'LIMIT',
      limitOffsetPct: 0.001,
      stopLossPct: 0.02,
      takeProfitPct: 0.04,
    },
    {
      id: 'down',
      interpretation: 'prob_down',
      probabilityThreshold: 0.65,
      stopLossPct: 0.02,
      takeProfitPct: 0.04,
    },
    { id: 'change', interpretation: 'price_change_pct', stopLossPct: 0.02, takeProfitPct: 0.04 },
    {
      id: 'confirmed',
      interpretation: 'prob_up',
      buyThreshold: 0.5,
      sellThreshold: 0.2,
      stopLossPct: 0.02,
      confirmationRules: [
        { feature: 'rsi', condition: 'lt', threshold: 30 },
        { feature: 'mom', condition: 'gt', threshold: 0 },
      ],
    },
  ],
};

const near = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('routing service: trade signals', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let router: TestRouter | undefined;

  before(async () => {
    database = await createTestDatabase();
    await seedModel(database.db, { versions: 1, champion: 1 });
  });
  after(async () => {
    await router?.close();
    await database.drop();
  });

  const signal = async (id: string, prediction: number, market: Record<string, unknown> = {}) => {
    router ??= await startTestRouter(database.url, { strategies });
    const r = await router.post('/v1/signal', { prediction, strategy: { id, price: 0.5, ...market } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(signalResponseSchema.safeParse(r.body).success);
    return r.body.signal;
  };

  it('reproduces the worked SL/TP table at P = 0.5', async () => {
    // [strategy, prediction, side, stop-loss, take-profit]: the §5 table, both sides. For SELL the
    // level that is set is measured above the price and the derived one below.
    const table: Array<[string, number, 'BUY' | 'SELL', number, number]> = [
      ['sl-tp', 0.7, 'BUY', 0.49, 0.52],
      ['sl-tp', 0.2, 'SELL', 0.51, 0.48],
      ['sl-r2', 0.7, 'BUY', 0.49, 0.52],
      ['tp-r2', 0.7, 'BUY', 0.49, 0.52],
      ['sl-r1', 0.7, 'BUY', 0.49, 0.51],
      ['tp-r1', 0.7, 'BUY', 0.48, 0.52],
      ['sl-r2', 0.2, 'SELL', 0.51, 0.48],
      ['tp-r2', 0.2, 'SELL', 0.51, 0.48],
    ];
    for (const [id, prediction, side, stopLoss, takeProfit] of table) {
      const { proposal } = await signal(id, prediction);
      assert.equal(proposal.side, side, `${id} at ${prediction}`);
      near(proposal.stopLoss, stopLoss);
      near(proposal.takeProfit, takeProfit);
    }
  });

  it('reproduces the interpretation checks (prob_up, prob_down, price_change_pct)', async () => {
    const side = async (id: string, p: number) => {
      const s = await signal(id, p);
      return s.status === 'proposed' ? s.proposal.side : null;
    };
    assert.deepEqual(await Promise.all([0.7, 0.65, 0.5, 0.35, 0.34].map((p) => side('sl-tp', p))), [
      'BUY',
      'BUY',
      null,
      null,
      'SELL',
    ]);
    assert.deepEqual(await Promise.all([0.2, 0.35, 0.5, 0.65, 0.8].map((q) => side('down', q))), [
      'BUY',
      'BUY',
      null,
      'SELL',
      'SELL',
    ]);
    assert.deepEqual(await Promise.all([0.02, 0.01, 0, -0.01, -0.02].map((v) => side('change', v))), [
      'BUY',
      'BUY',
      null,
      'SELL',
      'SELL',
    ]);
  });

  it('places LIMIT orders inside the spread (BUY 0.500499, SELL 0.499499) with SL/TP around that entry', async () => {
    const buy = await signal('limit', 0.7, { bid: 0.499, ask: 0.501 });
    assert.equal(buy.proposal.entryType, 'LIMIT');
    near(buy.proposal.entryPrice, 0.500499);
    near(buy.proposal.stopLoss, 0.500499 * 0.98);
    const sell = await signal('limit', 0.2, { bid: 0.499, ask: 0.501 });
    near(sell.proposal.entryPrice, 0.499499);
    assert.ok(
      sell.proposal.takeProfit < sell.proposal.entryPrice &&
        sell.proposal.entryPrice < sell.proposal.stopLoss,
    );
  });

  it('applies confirmation rules to the request features: rsi 25 & mom 0.1 → signal; rsi 35, mom missing → none', async () => {
    assert.equal((await signal('confirmed', 0.7, { features: { rsi: 25, mom: 0.1 } })).status, 'proposed');
    assert.deepEqual(await signal('confirmed', 0.7, { features: { rsi: 35, mom: 0.1 } }), {
      status: 'none',
      reason: 'confirmation failed: rsi = 35 is not lt 30',
    });
    assert.deepEqual(await signal('confirmed', 0.7, { features: { rsi: 25 } }), {
      status: 'none',
      reason: 'confirmation failed: feature "mom" is missing',
    });
    assert.equal((await signal('confirmed', 0.7, { features: {} })).status, 'none');
    assert.equal((await signal('confirmed', 0.7)).status, 'none', 'no features: the rules cannot pass');
  });

  it('refuses what it cannot interpret: unknown strategy 404, interpretation mismatch and bad probability 422', async () => {
    await signal('sl-tp', 0.7);
    const unknown = await router!.post('/v1/signal', {
      prediction: 0.7,
      strategy: { id: 'nope', price: 0.5 },
    });
    assert.deepEqual(
      [unknown.status, unknown.body.error.code, unknown.body.error.field],
      [404, 'ROUTER_ERR_UNKNOWN_STRATEGY', 'strategy.id'],
    );
    const mismatch = await router!.post('/v1/signal', {
      prediction: 0.7,
      interpretation: 'prob_down',
      strategy: { id: 'sl-tp', price: 0.5 },
    });
    assert.deepEqual([mismatch.status, mismatch.body.error.code], [422, 'ROUTER_ERR_STRATEGY_MISMATCH']);
    const invalid = await router!.post('/v1/signal', {
      prediction: 1.5,
      strategy: { id: 'sl-tp', price: 0.5 },
    });
    assert.deepEqual(
      [invalid.status, invalid.body.error.code, invalid.body.error.field],
      [422, 'ROUTER_ERR_INVALID_PREDICTION', 'prediction'],
    );
    const crossed = await router!.post('/v1/signal', {
      prediction: 0.7,
      strategy: { id: 'limit', price: 0.5, bid: 0.6, ask: 0.5 },
    });
    assert.deepEqual([crossed.status, crossed.body.error.field], [400, 'strategy.bid']);
  });

  it('proposes a signal from /v1/predict with the model’s output and named features', async () => {
    await signal('sl-tp', 0.7);
    // Features aligned with the coefficients: z = 2 − 0.25, so P(up) ≈ 0.85 ≥ 0.65.
    const features = Object.fromEntries(FEATURES_20.map((n, i) => [n, ((i % 5) - 2) * 0.5]));
    const r = await router!.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'u',
      features,
      strategy: { id: 'sl-tp', price: 0.5, tradingPair: 'BTC/USD' },
    });
    assert.equal(r.status, 200);
    assert.ok(Math.abs(r.body.output - 1 / (1 + Math.exp(-1.75))) < 1e-5);
    assert.equal(r.body.signal.status, 'proposed');
    assert.equal(r.body.signal.proposal.side, 'BUY');
    assert.equal(r.body.signal.proposal.prediction, r.body.output);
    assert.equal(r.body.signal.proposal.predictionId, r.body.predictionId);
    assert.equal(r.body.signal.proposal.tradingPair, 'BTC/USD');
    // The confirmation rules read the model's features by name, also when they were sent as an array.
    const confirmed = await router!.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'u',
      features: FEATURES_20.map((n) => features[n]!),
      strategy: { id: 'confirmed', price: 0.5, features: { rsi: 25, mom: features.f05! } },
    });
    assert.equal(confirmed.body.signal.status, 'proposed');
    const wrongTarget = await router!.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'u',
      features,
      strategy: { id: 'down', price: 0.5 },
    });
    assert.deepEqual(
      [wrongTarget.status, wrongTarget.body.error.code],
      [422, 'ROUTER_ERR_STRATEGY_MISMATCH'],
    );
  });

  it('loads <dataDir>/strategies.json, refuses to start on an invalid one, and refuses an invalid reload', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'strategies-dir-'));
    try {
      const file = path.join(dataDir, 'strategies.json');
      await writeFile(
        file,
        JSON.stringify({
          strategies: [
            { id: 'x', interpretation: 'prob_up', buyThreshold: 0.6, sellThreshold: 0.4, stopLossPct: 0.02 },
          ],
        }),
      );
      const fromFile = await startTestRouter(database.url, { env: { GALFRIDAY_DATA_DIR: dataDir } });
      try {
        assert.deepEqual((await fromFile.get('/admin/config')).body.strategies, ['x']);
        await writeFile(
          file,
          JSON.stringify({
            strategies: [
              {
                id: 'x',
                interpretation: 'prob_up',
                buyThreshold: 0.3,
                sellThreshold: 0.4,
                stopLossPct: 0.02,
              },
            ],
          }),
        );
        const refused = await fromFile.post('/admin/reload', undefined, fromFile.adminToken);
        assert.equal(refused.status, 400);
        assert.match(
          refused.body.error.message,
          /strategies\[0\]\.buyThreshold: must be greater than sellThreshold/,
        );
        assert.equal(
          (await fromFile.post('/v1/signal', { prediction: 0.7, strategy: { id: 'x', price: 1 } })).status,
          200,
          'the previous strategies stay active',
        );
      } finally {
        await fromFile.close();
      }
      await assert.rejects(
        startTestRouter(database.url, { env: { GALFRIDAY_DATA_DIR: dataDir } }),
        StrategyConfigError,
      );
      // A condition it does not know is a configuration error, never a rule that silently passes.
      await writeFile(
        file,
        JSON.stringify({
          strategies: [
            {
              id: 'x',
              interpretation: 'prob_up',
              buyThreshold: 0.6,
              sellThreshold: 0.4,
              stopLossPct: 0.02,
              confirmationRules: [{ feature: 'rsi', condition: 'between', threshold: 30 }],
            },
          ],
        }),
      );
      await assert.rejects(
        startTestRouter(database.url, { env: { GALFRIDAY_DATA_DIR: dataDir } }),
        (error: unknown) =>
          error instanceof StrategyConfigError &&
          /strategies\[0\]\.confirmationRules\[0\]\.condition/.test(error.message),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
