import assert from 'node:assert/strict';
import { backtestSignals, maxDrawdown, sharpeRatio } from './ml-test-kit';

describe('ml/backtest-signals', () => {
  it('emits BUY at p ≥ 0.6 and SELL at p < 0.4 by default and scores each signal', () => {
    const result = backtestSignals([0.7, 0.5, 0.3, 0.6, 0.4, 0.39], [0.01, 0.02, 0.005, -0.02, 0.03, -0.01]);
    // BUY 0.7 → +0.01; none 0.5; SELL 0.3 → −0.005; BUY 0.6 (inclusive) → −0.02; none 0.4 (strict); SELL 0.39 → +0.01.
    assert.deepEqual(result.returns, [0.01, -0.005, -0.02, 0.01]);
    assert.equal(result.signals, 4);
    assert.equal(result.buys, 2);
    assert.equal(result.sells, 2);
    assert.equal(result.hitRate, 0.5);
    assert.ok(Math.abs(result.meanSignalReturn! - -0.00125) < 1e-15);
    assert.equal(result.sharpe, sharpeRatio([0.01, -0.005, -0.02, 0.01]));
    // Cumulative P&L 0.01, 0.005, −0.015, −0.005: peak 0.01 to trough −0.015.
    assert.ok(Math.abs(result.maxDrawdown! - 0.025) < 1e-15);
    assert.equal(result.maxDrawdown, maxDrawdown([0.01, -0.005, -0.02, 0.01], { mode: 'sum' }));
  });

  it('uses inclusive ±1% thresholds for price-change predictions and charges costs', () => {
    const result = backtestSignals([0.02, 0.01, 0, -0.01, -0.02], [0.01, 0.01, 0.01, -0.01, 0.01], {
      mode: 'price-change',
      costPerSignal: 0.001,
    });
    [0.009, 0.009, 0.009, -0.011].forEach((r, i) => assert.ok(Math.abs(result.returns[i]! - r) < 1e-15));
    assert.equal(result.returns.length, 4);
    assert.equal(result.buys, 2);
    assert.equal(result.sells, 2);
  });

  it('reports null statistics when there are no signals or no spread', () => {
    const none = backtestSignals([0.5, 0.55], [0.01, -0.01]);
    assert.deepEqual(
      [none.signals, none.hitRate, none.meanSignalReturn, none.sharpe, none.maxDrawdown],
      [0, null, null, null, null],
    );
    assert.equal(backtestSignals([0.9, 0.9], [0.01, 0.01]).sharpe, null);
  });

  it('rejects thresholds that overlap and mismatched lengths', () => {
    assert.throws(() => backtestSignals([0.5], [0.01], { buyThreshold: 0.4, sellThreshold: 0.6 }), {
      message: 'options.buyThreshold: must be greater than sellThreshold (0.4 ≤ 0.6)',
    });
    assert.throws(() => backtestSignals([0.5, 0.6], [0.01]), {
      message: 'forwardReturns: has 1 values, scores has 2',
    });
  });
});
