import { StatsInputError } from '../errors';

// Shared argument guards for the statistics core. Every public function validates at its boundary so
// that a bad number fails loudly with the argument's name instead of surfacing later as NaN.

/** Throws unless `value` is a finite number. */
export function requireFinite(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatsInputError(argument, `must be a finite number, got ${String(value)}`);
  }
}

/** Throws if `value` is NaN (±Infinity allowed, e.g. a CDF evaluated at −∞). */
export function requireNotNaN(argument: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new StatsInputError(argument, `must be a number, got ${String(value)}`);
  }
}

/** Throws unless `value` is finite and strictly positive. */
export function requirePositive(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) {
    throw new StatsInputError(argument, `must be a positive finite number, got ${String(value)}`);
  }
}

/** Throws unless `value` is strictly positive (+Infinity allowed, e.g. infinite degrees of freedom). */
export function requirePositiveOrInfinity(argument: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || !(value > 0)) {
    throw new StatsInputError(argument, `must be a positive number, got ${String(value)}`);
  }
}

/** Throws unless `value` is finite and ≥ 0. */
export function requireNonNegative(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StatsInputError(argument, `must be a non-negative finite number, got ${String(value)}`);
  }
}

/** Throws unless `value` is a non-negative integer. */
export function requireCount(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StatsInputError(argument, `must be a non-negative integer, got ${String(value)}`);
  }
}

/** Throws unless `value` is a probability in [0, 1]. */
export function requireProbability(argument: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > 1) {
    throw new StatsInputError(argument, `must be a probability in [0, 1], got ${String(value)}`);
  }
}

/** Throws unless `value` lies strictly inside (0, 1), as a significance level or power must. */
export function requireOpenUnit(argument: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || !(value > 0 && value < 1)) {
    throw new StatsInputError(argument, `must be in (0, 1), got ${String(value)}`);
  }
}

/** Throws unless `values` is a non-empty array of finite numbers (at least `minLength` of them). */
export function requireFiniteArray(argument: string, values: readonly number[], minLength = 1): void {
  if (!Array.isArray(values)) throw new StatsInputError(argument, 'must be an array of numbers');
  if (values.length < minLength) {
    throw new StatsInputError(
      argument,
      minLength === 1 ? 'must not be empty' : `must have at least ${minLength} values, got ${values.length}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatsInputError(`${argument}[${i}]`, `must be a finite number, got ${String(v)}`);
    }
  }
}
