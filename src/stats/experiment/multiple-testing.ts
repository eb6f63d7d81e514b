import { StatsInputError } from '../errors';
import { requireProbability } from '../distributions/input-checks';

function checkPValues(pValues: readonly number[]): void {
  if (!Array.isArray(pValues)) throw new StatsInputError('pValues', 'must be an array of p-values');
  if (pValues.length === 0) throw new StatsInputError('pValues', 'must not be empty');
  pValues.forEach((p, i) => requireProbability(`pValues[${i}]`, p));
}

/** Indices of `pValues` in ascending order of p (stable, so ties keep input order). */
function ascendingOrder(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number) || i - j);
}

/**
 * Holm–Bonferroni step-down adjusted p-values (family-wise error control), in input order, as
 * statsmodels `multipletests(p, method='holm')`: the i-th smallest p is multiplied by m − i + 1, a
 * running maximum keeps the order monotone, and values are capped at 1. Reject H_i when adjusted ≤ α.
 *
 * ### Examples
 * ```ts
 * holm([0.01, 0.04, 0.03, 0.005]); // [0.03, 0.06, 0.06, 0.02]
 * ```
 */
export function holm(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, (m - rank) * (pValues[index] as number));
    adjusted[index] = Math.min(1, running);
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg step-up adjusted p-values (false-discovery-rate control under independence or
 * positive dependence), in input order, as statsmodels `multipletests(p, method='fdr_bh')`: the i-th
 * smallest p is divided by i/m, a running minimum from the largest keeps the order monotone, and
 * values are capped at 1.
 *
 * ### Examples
 * ```ts
 * benjaminiHochberg([0.01, 0.04, 0.03, 0.005]); // [0.02, 0.04, 0.04, 0.02]
 * ```
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Array<number>(m);
  let running = Infinity;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank] as number;
    // Divide by the ECDF factor i/m, exactly as statsmodels does, rather than multiply by m/i.
    running = Math.min(running, (pValues[index] as number) / ((rank + 1) / m));
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}
