import assert from 'node:assert/strict';

/**
 * Upper 1e-6 quantiles of χ² by degrees of freedom (scipy.stats.chi2.ppf(1 - 1e-6, df)). Draws are
 * seeded, so a test never flakes; the tiny α only keeps the bounds honest if the seed changes.
 */
const CHI2_CRITICAL_1E6: Record<number, number> = { 1: 23.928, 2: 27.631, 3: 30.665, 4: 33.377, 5: 35.888 };

/**
 * Pearson χ² of observed counts against expected shares (cells with share 0 must have count 0).
 *
 * ### Examples
 * ```ts
 * chiSquare([50, 50], [0.5, 0.5]); // 0
 * ```
 */
export function chiSquare(
  observed: readonly number[],
  shares: readonly number[],
): { statistic: number; df: number } {
  const total = observed.reduce((a, b) => a + b, 0);
  let statistic = 0;
  let cells = 0;
  observed.forEach((o, i) => {
    const expected = total * shares[i]!;
    if (expected === 0) {
      assert.equal(o, 0, `cell ${i} has share 0 but ${o} observations`);
      return;
    }
    statistic += ((o - expected) * (o - expected)) / expected;
    cells++;
  });
  return { statistic, df: cells - 1 };
}

/**
 * Asserts that counts match shares by a χ² goodness-of-fit test at α = 1e-6, and that each share is
 * within 5 Monte-Carlo standard errors.
 *
 * ### Examples
 * ```ts
 * assertShares([5000, 5000], [0.5, 0.5]); // passes
 * ```
 */
export function assertShares(observed: readonly number[], shares: readonly number[], label = 'shares'): void {
  const total = observed.reduce((a, b) => a + b, 0);
  const { statistic, df } = chiSquare(observed, shares);
  if (df > 0) {
    const critical = CHI2_CRITICAL_1E6[df];
    assert.ok(critical !== undefined, `no critical value for df=${df}`);
    assert.ok(
      statistic < critical,
      `${label}: χ²=${statistic.toFixed(2)} ≥ ${critical} (df=${df}); counts ${observed.join(', ')}`,
    );
  }
  observed.forEach((o, i) => {
    const p = shares[i]!;
    const se = Math.sqrt((p * (1 - p)) / total);
    assert.ok(Math.abs(o / total - p) <= 5 * se + 1e-12, `${label}[${i}]: ${o / total} vs ${p} (±${5 * se})`);
  });
}

/**
 * Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7), for analytic Thompson checks.
 *
 * ### Examples
 * ```ts
 * normalCdf(0); // 0.5
 * ```
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Matcher for `assert.throws` that pins a StatsInputError's field and exact message.
 *
 * ### Examples
 * ```ts
 * assert.throws(() => f(), inputError('weights', 'weights: must sum to 1, got 0.9'));
 * ```
 */
export function inputError(
  argument: string,
  message: string,
): { name: string; argument: string; message: string } {
  return { name: 'StatsInputError', argument, message };
}
