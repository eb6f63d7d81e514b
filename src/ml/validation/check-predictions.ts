import { MlInputError } from '../errors';

/**
 * Validates paired labels and predictions: same non-zero length, labels 0/1 when `binaryLabels`,
 * predictions finite and (when `probabilities`) in [0, 1]. Messages name the index.
 *
 * ### Examples
 * ```ts
 * checkPredictions([0, 1], [0.2, 1.3], { binaryLabels: true, probabilities: true });
 * // MlInputError: predictions[1]: must be a probability in [0, 1], got 1.3
 * ```
 */
export function checkPredictions(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  options: { binaryLabels: boolean; probabilities: boolean },
): void {
  if (labels.length === 0) throw new MlInputError('labels', 'must not be empty');
  if (labels.length !== predictions.length) {
    throw new MlInputError('predictions', `has ${predictions.length} values, labels has ${labels.length}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (options.binaryLabels ? y !== 0 && y !== 1 : !Number.isFinite(y)) {
      throw new MlInputError(
        `labels[${i}]`,
        options.binaryLabels ? `must be 0 or 1, got ${y}` : `must be finite, got ${y}`,
      );
    }
    const p = predictions[i]!;
    if (options.probabilities ? !(p >= 0 && p <= 1) : !Number.isFinite(p)) {
      throw new MlInputError(
        `predictions[${i}]`,
        options.probabilities ? `must be a probability in [0, 1], got ${p}` : `must be finite, got ${p}`,
      );
    }
  }
}
