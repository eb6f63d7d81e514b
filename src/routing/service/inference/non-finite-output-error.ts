/**
 * Thrown (or rejected) by a model session whose output for one feature vector is NaN or ±Infinity.
 * The input decides this as much as the model (float32 sums overflow for extreme but in-range
 * features), so it is that request's error and never a reason to mark the version broken: one
 * client could otherwise take a version out of service for everyone.
 *
 * ### Examples
 * ```ts
 * import type { ModelSession } from './onnx-model-session';
 * declare const session: ModelSession;
 * declare const extremeVector: readonly number[];
 * session.score(extremeVector); // throws NonFiniteOutputError 'model returned a non-finite output (NaN)'
 * ```
 */
export class NonFiniteOutputError extends Error {
  override readonly name = 'NonFiniteOutputError';
  constructor(readonly value: number | undefined) {
    super(`model returned a non-finite output (${value})`);
  }
}
