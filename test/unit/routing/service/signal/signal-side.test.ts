import assert from 'node:assert/strict';
import { InvalidPredictionError, signalSide } from '../../../../../src/routing/service/signal/signal-side';
import { parseStrategies, type Strategy } from '../../../../../src/routing/service/signal/strategy-config';

function strategy(raw: Record<string, unknown>): Strategy {
  return parseStrategies({ strategies: [{ id: 's', stopLossPct: 0.02, ...raw }] }).get('s')!;
}

// Worked checks of gal-friday-original.md §5.5 (legacy a53b3c2 semantics, verified by running there).
describe('signal side (interpretation modes)', () => {
  it('prob_up with buy 0.65 / sell 0.35: 0.70 → BUY, 0.65 → BUY, 0.50 → none, 0.35 → none, 0.34 → SELL', () => {
    const s = strategy({ interpretation: 'prob_up', buyThreshold: 0.65, sellThreshold: 0.35 });
    assert.deepEqual(
      [0.7, 0.65, 0.5, 0.35, 0.34].map((p) => signalSide(s, p)),
      ['BUY', 'BUY', null, null, 'SELL'],
    );
  });

  it('prob_down with threshold 0.65: 0.20 → BUY, 0.35 → BUY, 0.50 → none, 0.65 → SELL, 0.80 → SELL', () => {
    const s = strategy({ interpretation: 'prob_down', probabilityThreshold: 0.65 });
    assert.deepEqual(
      [0.2, 0.35, 0.5, 0.65, 0.8].map((q) => signalSide(s, q)),
      ['BUY', 'BUY', null, 'SELL', 'SELL'],
    );
  });

  it('prob_down compares 1 − q in exact decimal, as the seed did (binary 1 − 0.33 is below 0.67)', () => {
    // Where binary arithmetic lands just below the threshold, the decimal answer is still BUY.
    const s = strategy({ interpretation: 'prob_down', probabilityThreshold: 0.67 });
    assert.ok(1 - 0.33 < 0.67, 'precondition: binary 1 − 0.33 < 0.67');
    assert.equal(signalSide(s, 0.33), 'BUY');
  });

  it('price_change_pct with 0.01 / −0.01: 0.02 → BUY, 0.01 → BUY, 0 → none, −0.01 → SELL, −0.02 → SELL', () => {
    const s = strategy({
      interpretation: 'price_change_pct',
      buyThresholdPct: 0.01,
      sellThresholdPct: -0.01,
    });
    assert.deepEqual(
      [0.02, 0.01, 0, -0.01, -0.02].map((v) => signalSide(s, v)),
      ['BUY', 'BUY', null, 'SELL', 'SELL'],
    );
  });

  it('refuses a probability outside [0, 1] instead of reading it as a signal', () => {
    const s = strategy({ interpretation: 'prob_up', buyThreshold: 0.65, sellThreshold: 0.35 });
    assert.throws(
      () => signalSide(s, 1.2),
      (e: unknown) =>
        e instanceof InvalidPredictionError && /1\.2 is not a probability in \[0, 1\]/.test(e.message),
    );
    assert.throws(() => signalSide(s, -0.01), InvalidPredictionError);
    // A negative fractional change is an ordinary prediction (the seed's HEAD rejected all of them).
    const change = strategy({ interpretation: 'price_change_pct' });
    assert.equal(signalSide(change, -0.5), 'SELL');
  });
});
