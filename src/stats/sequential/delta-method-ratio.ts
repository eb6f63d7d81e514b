import { StatsInputError } from '../errors';
import type { Moments } from '../experiment/types';

/**
 * Per-unit sums of one arm for a ratio metric: Yᵢ (numerator, e.g. correct outcomes or summed
 * return) and Nᵢ (denominator, e.g. labelled outcomes) of each unit i, summed over units.
 */
export interface UnitSums {
  units: number;
  sumY: number;
  sumN: number;
  sumYY: number;
  sumNN: number;
  sumYN: number;
}

/**
 * A per-event mean clustered by unit, as Moments for the sequential test (Deng, Knoblich & Lu,
 * KDD 2018): mean m = ΣY/ΣN and `variance` = (s²_Y − 2m·s_YN + m²·s²_N)/N̄² over units, so that
 * variance/units is the delta-method Var(m). `n` is the number of units: the randomised unit is what
 * is independent, not the event. Fewer than 2 units, or no events, give variance 0.
 *
 * ### Examples
 * ```ts
 * // two units: 3 of 4 and 1 of 4 correct
 * ratioMetricMoments({ units: 2, sumY: 4, sumN: 8, sumYY: 10, sumNN: 32, sumYN: 16 });
 * // { n: 2, mean: 0.5, variance: 0.125 }
 * ```
 */
export function ratioMetricMoments(sums: UnitSums): Moments {
  const { units, sumY, sumN, sumYY, sumNN, sumYN } = sums;
  if (!Number.isInteger(units) || units < 0)
    throw new StatsInputError('units', `must be a count, got ${units}`);
  if (units === 0 || !(sumN > 0)) return { n: units, mean: 0, variance: 0 };
  const m = sumY / sumN;
  if (units < 2) return { n: units, mean: m, variance: 0 };
  const meanN = sumN / units;
  const meanY = sumY / units;
  const s2Y = (sumYY - units * meanY * meanY) / (units - 1);
  const s2N = (sumNN - units * meanN * meanN) / (units - 1);
  const sYN = (sumYN - units * meanY * meanN) / (units - 1);
  const variance = Math.max(0, (s2Y - 2 * m * sYN + m * m * s2N) / (meanN * meanN));
  return { n: units, mean: m, variance };
}
