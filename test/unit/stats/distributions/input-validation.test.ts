import assert from 'node:assert/strict';
import {
  betaCdf,
  chiSquareSf,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  regularizedGammaP,
  regularizedIncompleteBeta,
  StatsInputError,
  studentTQuantile,
  studentTSf,
} from '../../../../src/stats';

function rejects(fn: () => unknown, argument: string, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StatsInputError, `expected StatsInputError, got ${String(error)}`);
    assert.equal(error.message, `${argument}: ${message}`);
    return true;
  });
}

describe('distributions reject bad input and handle infinite arguments explicitly', () => {
  it('throws StatsInputError naming the argument', () => {
    rejects(() => normalCdf(NaN), 'x', 'must be a number, got NaN');
    rejects(() => normalQuantile(1.5), 'p', 'must be a probability in [0, 1], got 1.5');
    rejects(() => normalQuantile(-0.1), 'p', 'must be a probability in [0, 1], got -0.1');
    rejects(() => studentTSf(1, 0), 'df', 'must be a positive number, got 0');
    rejects(() => studentTQuantile(0.5, NaN), 'df', 'must be a positive number, got NaN');
    rejects(() => chiSquareSf(1, -2), 'df', 'must be a positive finite number, got -2');
    rejects(() => regularizedGammaP(-1, 1), 'a', 'must be a positive finite number, got -1');
    rejects(() => regularizedGammaP(1, -1), 'x', 'must be non-negative, got -1');
    rejects(() => regularizedIncompleteBeta(1.2, 1, 1), 'x', 'must be in [0, 1], got 1.2');
    rejects(() => betaCdf(0.5, 0, 1), 'a', 'must be a positive finite number, got 0');
    rejects(() => logGamma(0), 'x', 'must be a positive number, got 0');
  });

  it('gives the limits at infinite arguments and the boundary probabilities', () => {
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.equal(studentTSf(Infinity, 3), 0);
    assert.equal(studentTQuantile(1, 3), Infinity);
    assert.equal(chiSquareSf(Infinity, 3), 0);
    assert.equal(logGamma(Infinity), Infinity);
  });

  it('quantiles invert the CDFs to near machine precision across the range', () => {
    for (const p of [1e-300, 1e-100, 1e-10, 0.001, 0.2, 0.5, 0.8, 0.999, 1 - 1e-12]) {
      const z = normalQuantile(p);
      // Compare the tail that is small, where relative precision is meaningful.
      const [got, want] = p < 0.5 ? [normalCdf(z), p] : [normalSf(z), 1 - p];
      assert.ok(Math.abs(got - want) <= 1e-13 * want, `p = ${p}: ${got} vs ${want}`);
      for (const df of [1, 3.5, 30, 1e5]) {
        const t = studentTQuantile(p, df);
        const tail = p < 0.5 ? studentTSf(-t, df) : studentTSf(t, df);
        const want = p < 0.5 ? p : 1 - p;
        assert.ok(Math.abs(tail - want) <= 1e-12 * want, `p = ${p}, df = ${df}: ${tail} vs ${want}`);
      }
    }
  });
});
