import assert from 'node:assert/strict';
import { stopLossTakeProfit } from '../../../../../src/routing/service/signal/stop-loss-take-profit';

const close = (actual: number | undefined, expected: number, label: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${label}: ${actual} ≠ ${expected}`);

// The worked table of gal-friday-original.md §5.7, at P = 0.5.
describe('stop-loss / take-profit', () => {
  it('sl 0.02, tp 0.04: BUY 0.490 / 0.520, SELL 0.510 / 0.480 (ratio ignored)', () => {
    const buy = stopLossTakeProfit('BUY', 0.5, {
      stopLossPct: 0.02,
      takeProfitPct: 0.04,
      rewardToRiskRatio: 3,
    });
    close(buy?.stopLoss, 0.49, 'BUY SL');
    close(buy?.takeProfit, 0.52, 'BUY TP');
    const sell = stopLossTakeProfit('SELL', 0.5, {
      stopLossPct: 0.02,
      takeProfitPct: 0.04,
      rewardToRiskRatio: 3,
    });
    close(sell?.stopLoss, 0.51, 'SELL SL');
    close(sell?.takeProfit, 0.48, 'SELL TP');
  });

  it('sl 0.02 only: TP = P + risk × reward-to-risk (R 1 → 0.510, R 2 → 0.520)', () => {
    const r1 = stopLossTakeProfit('BUY', 0.5, { stopLossPct: 0.02, rewardToRiskRatio: 1 });
    close(r1?.stopLoss, 0.49, 'SL');
    close(r1?.takeProfit, 0.51, 'TP R=1');
    close(
      stopLossTakeProfit('BUY', 0.5, { stopLossPct: 0.02, rewardToRiskRatio: 2 })?.takeProfit,
      0.52,
      'TP R=2',
    );
  });

  it('tp 0.04 only: SL = P − reward ÷ reward-to-risk (R 1 → 0.48, R 2 → 0.49)', () => {
    const r1 = stopLossTakeProfit('BUY', 0.5, { takeProfitPct: 0.04, rewardToRiskRatio: 1 });
    close(r1?.stopLoss, 0.48, 'SL R=1');
    close(r1?.takeProfit, 0.52, 'TP');
    close(
      stopLossTakeProfit('BUY', 0.5, { takeProfitPct: 0.04, rewardToRiskRatio: 2 })?.stopLoss,
      0.49,
      'SL R=2',
    );
  });

  it('derives SELL levels symmetrically', () => {
    const sell = stopLossTakeProfit('SELL', 0.5, { takeProfitPct: 0.04, rewardToRiskRatio: 2 });
    close(sell?.takeProfit, 0.48, 'TP');
    close(sell?.stopLoss, 0.51, 'SL');
  });

  it('gives nothing without sl and tp, for a price ≤ 0, or when a level would be ≤ 0', () => {
    assert.equal(stopLossTakeProfit('BUY', 0.5, { rewardToRiskRatio: 1 }), null);
    assert.equal(stopLossTakeProfit('SELL', 0.5, { rewardToRiskRatio: 1 }), null);
    assert.equal(stopLossTakeProfit('BUY', 0, { stopLossPct: 0.02, rewardToRiskRatio: 1 }), null);
    // tp 0.5 with R 0.25: SL = 0.5 − 0.25/0.25 = −0.5, not a price.
    assert.equal(stopLossTakeProfit('BUY', 0.5, { takeProfitPct: 0.5, rewardToRiskRatio: 0.25 }), null);
  });
});
