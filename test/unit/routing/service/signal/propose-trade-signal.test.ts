import assert from 'node:assert/strict';
import { proposeTradeSignal } from '../../../../../src/routing/service/signal/propose-trade-signal';
import { parseStrategies, type Strategy } from '../../../../../src/routing/service/signal/strategy-config';

function strategy(raw: Record<string, unknown>): Strategy {
  return parseStrategies({
    strategies: [{ id: 'momo', interpretation: 'prob_up', buyThreshold: 0.65, sellThreshold: 0.35, ...raw }],
  }).get('momo')!;
}
const near = (a: number | null | undefined, b: number) =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('trade-signal proposal', () => {
  it('proposes a MARKET BUY with SL/TP around the last price', () => {
    const decision = proposeTradeSignal(strategy({ stopLossPct: 0.02, takeProfitPct: 0.04 }), {
      prediction: 0.7,
      price: 0.5,
      features: {},
      tradingPair: 'BTC/USD',
      predictionId: 'p1',
    });
    assert.equal(decision.status, 'proposed');
    if (decision.status !== 'proposed') return;
    const p = decision.proposal;
    assert.equal(p.side, 'BUY');
    assert.equal(p.entryType, 'MARKET');
    assert.equal(p.entryPrice, null);
    assert.equal(p.referencePrice, 0.5);
    near(p.stopLoss, 0.49);
    near(p.takeProfit, 0.52);
    assert.equal(p.tradingPair, 'BTC/USD');
    assert.equal(p.predictionId, 'p1');
    assert.match(p.signalId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('measures a LIMIT order’s SL/TP from its entry price, not the last price (§7 D5), and validates SL < entry < TP', () => {
    const decision = proposeTradeSignal(
      strategy({ entryType: 'LIMIT', limitOffsetPct: 0.001, stopLossPct: 0.02, takeProfitPct: 0.04 }),
      {
        prediction: 0.7,
        price: 0.5,
        bid: 0.499,
        ask: 0.501,
        features: {},
      },
    );
    assert.equal(decision.status, 'proposed');
    if (decision.status !== 'proposed') return;
    near(decision.proposal.entryPrice, 0.500499);
    near(decision.proposal.stopLoss, 0.500499 * 0.98);
    near(decision.proposal.takeProfit, 0.500499 * 1.04);
    assert.ok(
      decision.proposal.stopLoss < decision.proposal.entryPrice! &&
        decision.proposal.entryPrice! < decision.proposal.takeProfit,
    );
  });

  it('proposes a LIMIT SELL with TP < entry < SL', () => {
    const decision = proposeTradeSignal(
      strategy({ entryType: 'LIMIT', limitOffsetPct: 0.001, stopLossPct: 0.02, rewardToRiskRatio: 2 }),
      {
        prediction: 0.2,
        price: 0.5,
        bid: 0.499,
        ask: 0.501,
        features: {},
      },
    );
    assert.equal(decision.status, 'proposed');
    if (decision.status !== 'proposed') return;
    const p = decision.proposal;
    assert.equal(p.side, 'SELL');
    near(p.entryPrice, 0.499499);
    near(p.stopLoss, 0.499499 * 1.02);
    near(p.takeProfit, 0.499499 - 2 * 0.499499 * 0.02);
    assert.ok(p.takeProfit < p.entryPrice! && p.entryPrice! < p.stopLoss);
  });

  it('says why there is no signal: between thresholds, a failed confirmation', () => {
    const s = strategy({
      stopLossPct: 0.02,
      confirmationRules: [{ feature: 'rsi', condition: 'lt', threshold: 30 }],
    });
    assert.deepEqual(proposeTradeSignal(s, { prediction: 0.5, price: 0.5, features: { rsi: 20 } }), {
      status: 'none',
      reason: 'prediction 0.5 is between the sell and buy thresholds of prob_up',
    });
    assert.deepEqual(proposeTradeSignal(s, { prediction: 0.9, price: 0.5, features: { rsi: 35 } }), {
      status: 'none',
      reason: 'confirmation failed: rsi = 35 is not lt 30',
    });
    assert.equal(
      proposeTradeSignal(s, { prediction: 0.9, price: 0.5, features: { rsi: 25 } }).status,
      'proposed',
    );
  });
});
