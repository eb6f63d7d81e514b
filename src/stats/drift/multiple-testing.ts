import { StatsInputError } from '../errors';
import { benjaminiHochberg } from '../experiment/multiple-testing';

/** How p-values of several features are adjusted before each is compared with its threshold. */
export type PValueCorrection = 'none' | 'bonferroni' | 'bh';

/**
 * Adjusts a family of p-values for multiple testing and returns them in the input order:
 * `'bonferroni'` gives min(1, m·p); `'bh'` gives Benjamini–Hochberg step-up adjusted p-values
 * (q₍ᵢ₎ = min over j ≥ i of p₍ⱼ₎/(j/m), capped at 1; the experiment module's `benjaminiHochberg`),
 * which control the false discovery rate;
 * `'none'` returns a copy. Comparing adjusted values with α is the same as running the procedure
 * at level α.
 *
 * ### Examples
 * ```ts
 * adjustPValues([0.01, 0.04, 0.03], 'bonferroni'); // [0.03, 0.12, 0.09]
 * adjustPValues([0.01, 0.04, 0.03], 'bh');         // [0.030000000000000002, 0.04, 0.04]
 * ```
 */
export function adjustPValues(pValues: readonly number[], correction: PValueCorrection): number[] {
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i]!;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new StatsInputError('pValues', `element ${i} is ${String(p)}; p-values must be in [0, 1]`);
    }
  }
  const m = pValues.length;
  if (correction === 'none') return pValues.slice();
  if (correction === 'bonferroni') return pValues.map((p) => Math.min(1, p * m));
  if (correction !== 'bh') {
    throw new StatsInputError(
      'correction',
      `must be 'none', 'bonferroni' or 'bh', got ${String(correction)}`,
    );
  }
  // One BH implementation in the stats core: the experiment module's (statsmodels 'fdr_bh' arithmetic).
  return m === 0 ? [] : benjaminiHochberg(pValues);
}
