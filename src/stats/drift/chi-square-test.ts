import { chiSquareSf } from '../distributions';
import { StatsInputError } from '../errors';
import { assertCounts } from './validate';

/** Result of {@link chiSquareTest}. */
export interface ChiSquareTestResult {
  /** Pearson's χ² = Σ (observed − expected)²/expected over the 2×k table. */
  statistic: number;
  /** Degrees of freedom, k′ − 1, where k′ counts the columns kept (see {@link chiSquareTest}). */
  df: number;
  /** P(χ²_df ≥ statistic); 1 when df = 0. */
  pValue: number;
}

/**
 * Pearson χ² test of homogeneity for two rows of category counts, as
 * `scipy.stats.chi2_contingency([referenceCounts, currentCounts], correction=False)`:
 * expected = row total × column total / grand total, df = k − 1.
 *
 * Columns that are zero in both rows carry no information and are dropped before the test (scipy
 * raises on them because their expected count is 0); the result equals scipy's on the table without
 * them. A category seen in only one row is kept. With one column left, df = 0 and the result is
 * { statistic: 0, df: 0, pValue: 1 }, as scipy.
 *
 * ### Examples
 * ```ts
 * chiSquareTest([10, 20, 30], [10, 20, 30]); // { statistic: 0, df: 2, pValue: 1 }
 * chiSquareTest([30, 10], [10, 30]);         // { statistic: 20, df: 1, pValue: 0.000007744216431044086 }
 * ```
 */
export function chiSquareTest(
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
): ChiSquareTestResult {
  assertCounts(referenceCounts, 'referenceCounts');
  assertCounts(currentCounts, 'currentCounts');
  if (referenceCounts.length !== currentCounts.length) {
    throw new StatsInputError(
      'currentCounts',
      `must have the same length as referenceCounts (${referenceCounts.length}), got ${currentCounts.length}`,
    );
  }
  let refTotal = 0;
  let curTotal = 0;
  let kept = 0;
  for (let j = 0; j < referenceCounts.length; j++) {
    refTotal += referenceCounts[j]!;
    curTotal += currentCounts[j]!;
    if (referenceCounts[j]! + currentCounts[j]! > 0) kept++;
  }
  if (refTotal === 0)
    throw new StatsInputError('referenceCounts', 'must contain at least one positive count');
  if (curTotal === 0) throw new StatsInputError('currentCounts', 'must contain at least one positive count');
  const df = kept - 1;
  if (df === 0) return { statistic: 0, df: 0, pValue: 1 };
  const grand = refTotal + curTotal;
  let refPart = 0;
  let curPart = 0;
  for (let j = 0; j < referenceCounts.length; j++) {
    const column = referenceCounts[j]! + currentCounts[j]!;
    if (column === 0) continue;
    // scipy's order: row total × column total, then ÷ grand total; the reference row's terms come first.
    const expectedRef = (refTotal * column) / grand;
    const expectedCur = (curTotal * column) / grand;
    refPart += (referenceCounts[j]! - expectedRef) ** 2 / expectedRef;
    curPart += (currentCounts[j]! - expectedCur) ** 2 / expectedCur;
  }
  const statistic = refPart + curPart;
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}
