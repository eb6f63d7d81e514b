import assert from 'node:assert/strict';
import { accuracyCusum, createRng, testAccuracyDrop, type BarOutcomes } from '../../../../src/stats';

/** No change: holdout and live accuracy are both draws of the same p. */
function falseAlarms(
  method: 'two-sample' | 'known-baseline',
  liveRows: number,
  perBar: number,
  reps: number,
  seed: number,
): number {
  const rng = createRng(seed);
  const p = 0.55;
  const holdoutRows = 400;
  let alarms = 0;
  for (let r = 0; r < reps; r++) {
    let k0 = 0;
    for (let i = 0; i < holdoutRows; i++) if (rng.next() < p) k0++;
    const bars: BarOutcomes[] = [];
    for (let b = 0; b < liveRows / perBar; b++) {
      // Outcomes of one bar share its move: all right or all wrong together.
      const right = rng.next() < p;
      bars.push({ n: perBar, correct: right ? perBar : 0 });
    }
    const t = testAccuracyDrop({
      baseline: k0 / holdoutRows,
      baselineRows: holdoutRows,
      bars,
      alpha: 0.01,
      method,
    });
    if (t.degraded) alarms++;
  }
  return alarms / reps;
}

describe('performance trigger', () => {
  it('keeps its false alarm near α on 5,000 live rows where the known-baseline test does not', () => {
    const old = falseAlarms('known-baseline', 5000, 1, 400, 1);
    const fresh = falseAlarms('two-sample', 5000, 1, 400, 1);
    assert.ok(old > 0.15, `known-baseline false alarm ${old}`);
    assert.ok(fresh < 0.03, `two-sample false alarm ${fresh}`);
  });

  it('counts bars, not outcomes, when outcomes share a bar', () => {
    const fresh = falseAlarms('two-sample', 2000, 5, 400, 2);
    assert.ok(fresh < 0.03, `two-sample false alarm with 5 outcomes per bar ${fresh}`);
    const t = testAccuracyDrop({
      baseline: 0.5,
      baselineRows: 400,
      bars: [
        { n: 5, correct: 5 },
        { n: 5, correct: 0 },
      ],
      alpha: 0.01,
    });
    assert.equal(t.bars, 2);
    assert.equal(t.labelled, 10);
  });

  it('flags a real drop', () => {
    const bars = Array.from({ length: 2000 }, (_, i) => ({ n: 1, correct: i % 10 < 4 ? 1 : 0 }));
    const t = testAccuracyDrop({ baseline: 0.55, baselineRows: 400, bars, alpha: 0.01 });
    assert.equal(t.degraded, true);
    assert.throws(() => testAccuracyDrop({ baseline: 0.55, bars, alpha: 0.01 }), /baselineRows/);
  });

  describe('CUSUM over time', () => {
    /** 30 days of 1-minute bars, one outcome each, accuracy p from `changeAt` on (else 0.55). */
    function days30(rng: ReturnType<typeof createRng>, p = 0.55, changeAt = Infinity): BarOutcomes[] {
      return Array.from({ length: 43_200 }, (_, i) => ({
        n: 1,
        correct: rng.next() < (i >= changeAt ? p : 0.55) ? 1 : 0,
      }));
    }

    it('raises at most about α false alarms over 30 days, where hourly per-check tests raise many', () => {
      const rng = createRng(5);
      const reps = 60;
      let cusum = 0;
      let hourly = 0;
      for (let r = 0; r < reps; r++) {
        let k0 = 0;
        for (let i = 0; i < 400; i++) if (rng.next() < 0.55) k0++;
        const bars = days30(rng);
        if (accuracyCusum({ baseline: k0 / 400, baselineRows: 400, bars, alpha: 0.01 }).alarm) cusum++;
        // The old per-check test (p₀ taken as exact), hourly on the last 1,440 bars: α per look.
        let any = false;
        for (let end = 1440; end <= bars.length && !any; end += 60) {
          const t = testAccuracyDrop({
            baseline: k0 / 400,
            bars: bars.slice(end - 1440, end),
            alpha: 0.01,
            method: 'known-baseline',
          });
          any = t.degraded;
        }
        if (any) hourly++;
      }
      assert.ok(cusum <= 2, `CUSUM false alarms ${cusum}/${reps}`);
      assert.ok(hourly >= 15, `old hourly per-check false alarms ${hourly}/${reps} vs CUSUM ${cusum}`);
    });

    it('flags a drop of 0.10 and says when', () => {
      const rng = createRng(6);
      const bars = days30(rng, 0.45, 20_000);
      const c = accuracyCusum({ baseline: 0.55, baselineRows: 400, bars, alpha: 0.01 });
      assert.equal(c.alarm, true);
      assert.ok(c.alarmAtBar! > 20_000 && c.alarmAtBar! < 26_000, `alarm at bar ${c.alarmAtBar}`);
      assert.ok(c.reference < 0.55);
    });
  });
});
