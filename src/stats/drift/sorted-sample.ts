import { assertFiniteSample } from './validate';
import { sortFloat64InPlace } from './radix-sort';

/**
 * Validates `values` (non-empty, all finite) and returns them as a new ascending Float64Array;
 * the caller's array is never reordered.
 */
export function toSortedSample(values: ArrayLike<number>, argument: string): Float64Array {
  assertFiniteSample(values, argument);
  const copy = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[i]!;
  return sortFloat64InPlace(copy);
}
