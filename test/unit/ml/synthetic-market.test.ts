import assert from 'node:assert/strict';
import { generateSyntheticMarket, MlInputError, ohlcvBarProblem } from '../../../src/ml';

describe('ml/synthetic-market', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateSyntheticMarket({ seed: 11, bars: 500 });
    const b = generateSyntheticMarket({ seed: 11, bars: 500 });
    const c = generateSyntheticMarket({ seed: 12, bars: 500 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.bars.map((x) => x.close),
      c.bars.map((x) => x.close),
    );
  });

  it('produces valid bars with positive volume and hourly ISO timestamps', () => {
    const { bars } = generateSyntheticMarket({ seed: 3, bars: 5000 });
    assert.equal(bars.length, 5000);
    assert.equal(bars[0]!.ts, '2024-01-01T00:00:00.000Z');
    assert.equal(bars[1]!.ts, '2024-01-01T01:00:00.000Z');
    for (const bar of bars) {
      assert.equal(ohlcvBarProblem(bar), undefined);
      assert.ok(bar.low <= bar.open && bar.open <= bar.high);
      assert.ok(bar.low <= bar.close && bar.close <= bar.high);
      assert.ok(bar.volume > 0);
    }
  });

  it('visits all three regimes when switching is allowed', () => {
    const { regimes } = generateSyntheticMarket({ seed: 5, bars: 3000, switchProbability: 0.02 });
    assert.deepEqual(new Set(regimes), new Set(['trending', 'mean-reverting', 'volatile']));
  });

  it('forces a regime from the shift bar on, leaving earlier bars untouched', () => {
    const base = generateSyntheticMarket({ seed: 9, bars: 1000 });
    const shifted = generateSyntheticMarket({
      seed: 9,
      bars: 1000,
      regimeShift: { atBar: 600, regime: 'volatile', volatilityMultiplier: 2 },
    });
    assert.deepEqual(shifted.bars.slice(0, 600), base.bars.slice(0, 600));
    assert.ok(shifted.regimes.slice(600).every((r) => r === 'volatile'));
    const absRet = (bars: typeof base.bars, from: number, to: number): number => {
      let s = 0;
      for (let i = from; i < to; i++) s += Math.abs(Math.log(bars[i]!.close / bars[i - 1]!.close));
      return s / (to - from);
    };
    // The shifted stretch moves about 2 × 2.5 times as much as the calm regimes' 0.6–0.8 % per bar.
    assert.ok(absRet(shifted.bars, 601, 1000) > 2 * absRet(base.bars, 1, 600));
  });

  it('rejects bad options with a message naming the option', () => {
    assert.throws(() => generateSyntheticMarket({ seed: 1, bars: 0 }), {
      name: 'MlInputError',
      message: 'options.bars: must be a positive integer, got 0',
    });
    assert.throws(
      () => generateSyntheticMarket({ seed: 1, bars: 10, regimeShift: { atBar: -1, regime: 'volatile' } }),
      MlInputError,
    );
  });
});
