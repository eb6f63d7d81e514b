import assert from 'node:assert/strict';
import { limitEntryPrice } from '../../../../../src/routing/service/signal/entry-price';

describe('LIMIT entry price', () => {
  it('bid 0.499, ask 0.501, offset 0.001: BUY 0.500499, SELL 0.499499 (§5.8)', () => {
    assert.ok(
      Math.abs(limitEntryPrice('BUY', { price: 0.5, bid: 0.499, ask: 0.501 }, 0.001) - 0.500499) < 1e-12,
    );
    assert.ok(
      Math.abs(limitEntryPrice('SELL', { price: 0.5, bid: 0.499, ask: 0.501 }, 0.001) - 0.499499) < 1e-12,
    );
  });

  it('never crosses the touch: a zero offset buys at the ask and sells at the bid', () => {
    assert.equal(limitEntryPrice('BUY', { price: 0.5, bid: 0.499, ask: 0.501 }, 0), 0.501);
    assert.equal(limitEntryPrice('SELL', { price: 0.5, bid: 0.499, ask: 0.501 }, 0), 0.499);
  });

  it('falls back to the last price without a usable spread', () => {
    assert.equal(limitEntryPrice('BUY', { price: 0.5 }, 0.001), 0.5);
    assert.equal(limitEntryPrice('SELL', { price: 0.5, bid: 0.499 }, 0.001), 0.5);
    assert.equal(limitEntryPrice('BUY', { price: 0.5, bid: 0.51, ask: 0.5 }, 0.001), 0.5);
  });
});
