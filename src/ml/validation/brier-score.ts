import { checkPredictions } from './check-predictions';

/**
 * Brier score: mean squared difference between probability and 0/1 outcome (0 is perfect, 0.25 is
 * a constant ½).
 *
 * ### Examples
 * ```ts
 * brierScore([1, 0], [0.8, 0.3]); // 0.065 = (0.04 + 0.09) / 2
 * ```
 */
export function brierScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  checkPredictions(labels, probabilities, { binaryLabels: true, probabilities: true });
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (probabilities[i]! - labels[i]!) ** 2;
  return s / labels.length;
}
