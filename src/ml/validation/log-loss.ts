import { MlInputError } from '../errors';
import { checkPredictions } from './check-predictions';

/**
 * Default probability clip: keeps one confident mistake finite (−ln 1e-15 ≈ 34.5).
 *
 * ### Examples
 * ```ts
 * rowLogLoss([1], [0], DEFAULT_LOG_LOSS_EPSILON)[0]; // 34.538…
 * ```
 */
export const DEFAULT_LOG_LOSS_EPSILON = 1e-15;

/**
 * Per-row binary log-loss −[y·ln p + (1−y)·ln(1−p)], with p clipped to [ε, 1−ε]. The per-row
 * values feed the paired bootstrap that compares a candidate with the champion.
 *
 * ### Examples
 * ```ts
 * rowLogLoss([1, 0], [0.8, 0.8]); // Float64Array [0.2231…, 1.6094…]
 * rowLogLoss([1], [0]); // Float64Array [34.538…] (clipped, not Infinity)
 * ```
 */
export function rowLogLoss(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  epsilon = DEFAULT_LOG_LOSS_EPSILON,
): Float64Array {
  checkPredictions(labels, probabilities, { binaryLabels: true, probabilities: true });
  if (!(epsilon > 0 && epsilon < 0.5))
    throw new MlInputError('epsilon', `must be in (0, 0.5), got ${epsilon}`);
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i]!, epsilon), 1 - epsilon);
    out[i] = labels[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
  }
  return out;
}

/**
 * Mean binary log-loss with clipping (see {@link rowLogLoss}).
 *
 * ### Examples
 * ```ts
 * logLoss([1, 0], [0.8, 0.3]); // 0.2899… = (−ln 0.8 − ln 0.7) / 2
 * logLoss([1, 0], [0.5, 0.5]); // 0.6931… = ln 2
 * ```
 */
export function logLoss(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  epsilon = DEFAULT_LOG_LOSS_EPSILON,
): number {
  const rows = rowLogLoss(labels, probabilities, epsilon);
  let s = 0;
  for (const v of rows) s += v;
  return s / rows.length;
}
