import { StatsInputError } from '../errors';

// Shared input checks. Every public drift function validates before it computes, so the error names
// the caller's argument instead of surfacing as a NaN three calls later.

/** Throws unless `values` is a non-empty list of finite numbers. */
export function assertFiniteSample(values: ArrayLike<number>, argument: string): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new StatsInputError(argument, 'must be an array of numbers');
  }
  if (values.length === 0) throw new StatsInputError(argument, 'must not be empty');
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new StatsInputError(
        argument,
        `element ${i} is ${describe(value)}; values must be finite numbers`,
      );
    }
  }
}

/** Throws unless `counts` is a non-empty list of non-negative integers. */
export function assertCounts(counts: ArrayLike<number>, argument: string): void {
  if (counts === null || typeof counts !== 'object' || typeof counts.length !== 'number') {
    throw new StatsInputError(argument, 'must be an array of counts');
  }
  if (counts.length === 0) throw new StatsInputError(argument, 'must not be empty');
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new StatsInputError(
        argument,
        `element ${i} is ${describe(count)}; counts must be non-negative integers`,
      );
    }
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertIntegerInRange(value: unknown, argument: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new StatsInputError(argument, `must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
}

/** Throws unless `value` is a finite number in the open-closed interval (min, max]. */
export function assertInHalfOpen(value: unknown, argument: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= min || value > max) {
    throw new StatsInputError(argument, `must be a number in (${min}, ${max}], got ${describe(value)}`);
  }
}

/** A short, unambiguous rendering of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  return typeof value;
}
