import assert from 'node:assert/strict';
import {
  accuracy,
  auc,
  brierScore,
  createRng,
  logLoss,
  MlInputError,
  regressionMetrics,
  rowLogLoss,
  timeOrderedSplit,
} from './ml-test-kit';

const close = (actual: number, expected: number, tol = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);

/** O(n²) definition of AUC: P(score⁺ > score⁻) + ½ P(tie). */
function bruteAuc(y: number[], s: number[]): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        num += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
  }
  return num / pairs;
}

describe('ml/validation metrics', () => {
  describe('auc', () => {
    it('matches hand-computed values, counting ties as ½', () => {
      assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
      assert.equal(auc([0, 1], [0.5, 0.5]), 0.5);
      assert.equal(auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]), 1);
      assert.equal(auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]), 0);
      // Ties across classes: positives {0.5, 0.7}, negatives {0.5, 0.2} → (0.5 + 1 + 1 + 1) / 4.
      assert.equal(auc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.2]), 0.875);
    });

    it('equals the pairwise definition on random scores with many ties', () => {
      const rng = createRng(4);
      const y = Array.from({ length: 300 }, () => (rng.next() < 0.4 ? 1 : 0));
      const s = y.map((v) => Math.round((rng.next() + 0.3 * v) * 10) / 10);
      close(auc(y, s), bruteAuc(y, s));
    });

    it('throws when one class is missing', () => {
      assert.throws(() => auc([1, 1], [0.2, 0.3]), {
        message: 'labels: AUC needs both classes, got 2 positives and 0 negatives',
      });
    });
  });

  it('log-loss matches hand-computed values and clips certainty', () => {
    close(logLoss([1, 0], [0.8, 0.3]), (-Math.log(0.8) - Math.log(0.7)) / 2);
    close(logLoss([1, 0], [0.5, 0.5]), Math.LN2);
    close(rowLogLoss([1], [0])[0]!, -Math.log(1e-15));
    assert.ok(Number.isFinite(logLoss([0], [1])));
    assert.throws(() => logLoss([1], [1.2]), {
      message: 'predictions[0]: must be a probability in [0, 1], got 1.2',
    });
    assert.throws(() => logLoss([2], [0.5]), MlInputError);
  });

  it('brier score and accuracy match hand-computed values', () => {
    close(brierScore([1, 0], [0.8, 0.3]), 0.065);
    assert.equal(brierScore([1, 0], [1, 0]), 0);
    assert.equal(accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5]), 0.5);
    assert.equal(accuracy([1, 0], [0.7, 0.6], 0.65), 1);
  });

  it('regression metrics match hand-computed values', () => {
    const m = regressionMetrics([0.01, -0.02], [0.005, -0.01]);
    close(m.rmse, Math.sqrt((0.005 ** 2 + 0.01 ** 2) / 2));
    close(m.mae, 0.0075);
    close(m.skill, 1 - (0.005 ** 2 + 0.01 ** 2) / (0.01 ** 2 + 0.02 ** 2));
    assert.equal(m.directionalAccuracy, 1);
    assert.equal(regressionMetrics([0.01, 0.01], [-0.01, 0.02]).directionalAccuracy, 0.5);
  });

  describe('timeOrderedSplit', () => {
    it('keeps order and leaves an embargo gap', () => {
      assert.deepEqual(timeOrderedSplit(100, { holdoutFraction: 0.2, gap: 5 }), {
        train: { from: 0, to: 75 },
        holdout: { from: 80, to: 100 },
      });
      assert.deepEqual(timeOrderedSplit(10), { train: { from: 0, to: 8 }, holdout: { from: 8, to: 10 } });
    });

    it('refuses splits that leave no training rows', () => {
      assert.throws(() => timeOrderedSplit(10, { holdoutFraction: 0.5, gap: 5 }), {
        message: 'n: 10 rows leave no training rows after a holdout of 5 and a gap of 5',
      });
    });
  });
});
