import assert from 'node:assert/strict';
import * as stats from '../../../../src/stats';
import { runGoldenFile } from './support/run-golden';

// probabilityToBeatControl vs mpmath (exact Beta–Binomial sum or quadrature) and scipy (normal means).
// probabilityBest is Monte Carlo: each arm must lie within 5 standard errors √(p(1−p)/draws) (+1e-3
// for p near 0 or 1) of the exact probability, and the probabilities must sum to 1.
runGoldenFile('bayesian.json', stats as unknown as Record<string, unknown>, {
  probabilityBest: (actual, expected, args) => {
    const got = actual as number[];
    const want = expected as number[];
    const draws = (args[1] as { draws: number }).draws;
    assert.equal(got.length, want.length);
    assert.ok(Math.abs(got.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'probabilities must sum to 1');
    want.forEach((p, i) => {
      const tolerance = 5 * Math.sqrt((p * (1 - p)) / draws) + 1e-3;
      assert.ok(
        Math.abs((got[i] as number) - p) <= tolerance,
        `arm ${i}: got ${got[i]}, exact ${p} (tolerance ${tolerance.toFixed(4)})`,
      );
    });
  },
});
