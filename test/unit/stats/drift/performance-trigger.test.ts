import assert from 'node:assert/strict';
import { createRng, testAccuracyDrop, type BarOutcomes } from '../../../../src/stats';

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
});
