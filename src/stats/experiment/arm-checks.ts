import { StatsInputError } from '../errors';
import {
  requireCount,
  requireFinite,
  requireNonNegative,
  requireOpenUnit,
} from '../distributions/input-checks';
import type { Moments, Proportion } from './types';

// Validation of the arm summaries shared by every test in this folder. Messages name the argument
// path (`control.trials`) so a caller can tell which arm and which field was wrong.

/** Throws unless `arm` is a Proportion with integer 0 ≤ successes ≤ trials and trials ≥ 1. */
export function checkProportion(name: string, arm: Proportion): void {
  if (arm === null || typeof arm !== 'object')
    throw new StatsInputError(name, 'must be { successes, trials }');
  requireCount(`${name}.trials`, arm.trials);
  requireCount(`${name}.successes`, arm.successes);
  if (arm.trials < 1) throw new StatsInputError(`${name}.trials`, 'must be at least 1');
  if (arm.successes > arm.trials) {
    throw new StatsInputError(
      `${name}.successes`,
      `must not exceed trials (${arm.successes} > ${arm.trials})`,
    );
  }
}

/** Throws unless `arm` is Moments with an integer n ≥ minN, a finite mean and a finite variance ≥ 0. */
export function checkMoments(name: string, arm: Moments, minN = 2): void {
  if (arm === null || typeof arm !== 'object')
    throw new StatsInputError(name, 'must be { n, mean, variance }');
  requireCount(`${name}.n`, arm.n);
  if (arm.n < minN) throw new StatsInputError(`${name}.n`, `must be at least ${minN}, got ${arm.n}`);
  requireFinite(`${name}.mean`, arm.mean);
  requireNonNegative(`${name}.variance`, arm.variance);
}

/** Reads the `alpha` option (default 0.05) and checks it lies in (0, 1). */
export function readAlpha(alpha: number | undefined): number {
  const value = alpha ?? 0.05;
  requireOpenUnit('alpha', value);
  return value;
}
