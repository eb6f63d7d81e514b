import { MlInputError } from '../errors';
import { checkPredictions } from './check-predictions';

/**
 * Share of rows whose predicted class (1 when p ≥ threshold) equals the label.
 *
 * ### Examples
 * ```ts
 * accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5]); // 0.5 (0.5 counts as class 1)
 * ```
 */
export function accuracy(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  threshold = 0.5,
): number {
  checkPredictions(labels, probabilities, { binaryLabels: true, probabilities: true });
  if (!(threshold >= 0 && threshold <= 1))
    throw new MlInputError('threshold', `must be in [0, 1], got ${threshold}`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++)
    if ((probabilities[i]! >= threshold ? 1 : 0) === labels[i]) correct++;
  return correct / labels.length;
}
