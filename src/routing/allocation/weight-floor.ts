import { StatsInputError } from '../../stats/errors';
import { validateWeights } from './validation';

/**
 * Raises every weight below `floor` to exactly `floor` and rescales the others to fill the rest,
 * repeating until none is below: every arm ends ≥ floor, the sum is 1, and arms above the floor
 * keep their relative sizes. (Clip-then-divide, as GrowthBook does, leaves floored arms slightly
 * below the floor; the additive f + (1 − Kf)·w form shrinks every arm, the leader included.)
 *
 * ### Examples
 * ```ts
 * floorWeights([0.001, 0.299, 0.7], 0.01); // [0.01, 0.2963…, 0.6936…]
 * floorWeights([0.5, 0.5], 0.6); // throws StatsInputError 'floor: must be in [0, 1/2] for 2 arms, got 0.6'
 * ```
 */
export function floorWeights(weights: readonly number[], floor: number): number[] {
  validateWeights(weights);
  const k = weights.length;
  if (typeof floor !== 'number' || !(floor >= 0) || floor * k > 1 + 1e-12) {
    throw new StatsInputError('floor', `must be in [0, 1/${k}] for ${k} arms, got ${floor}`);
  }
  const floored = new Array<boolean>(k).fill(false);
  const out = weights.slice();
  for (let round = 0; round <= k; round++) {
    let freeSum = 0;
    let freeCount = 0;
    for (let i = 0; i < k; i++) {
      if (!floored[i]) {
        freeSum += weights[i]!;
        freeCount++;
      }
    }
    const freeMass = 1 - floor * (k - freeCount);
    let changed = false;
    for (let i = 0; i < k; i++) {
      if (floored[i]) {
        out[i] = floor;
        continue;
      }
      out[i] = freeSum > 0 ? (weights[i]! * freeMass) / freeSum : freeMass / freeCount;
      if (out[i]! < floor) {
        floored[i] = true;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}
