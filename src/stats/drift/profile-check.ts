import { StatsInputError } from '../errors';
import { REFERENCE_PROFILE_VERSION, type ReferenceProfile } from './reference-profile';

/**
 * Throws unless `profile` looks like a profile written by this version of {@link fitReferenceProfile}.
 * Profiles are read back from storage, so a truncated or foreign object must fail here, by name,
 * rather than produce a wrong statistic.
 */
export function assertReferenceProfile(
  profile: unknown,
  argument: string,
): asserts profile is ReferenceProfile {
  if (profile === null || typeof profile !== 'object') {
    throw new StatsInputError(argument, 'must be a reference profile object');
  }
  const p = profile as Record<string, unknown>;
  if (p.version !== REFERENCE_PROFILE_VERSION) {
    throw new StatsInputError(
      argument,
      `has version ${String(p.version)}; this build reads version ${REFERENCE_PROFILE_VERSION}`,
    );
  }
  if (!isCount(p.n) || p.n === 0) throw new StatsInputError(argument, 'n must be a positive integer');
  if (p.type === 'categorical') {
    const { categories, counts } = p;
    if (
      !Array.isArray(categories) ||
      !Array.isArray(counts) ||
      categories.length === 0 ||
      categories.length !== counts.length ||
      !categories.every((c) => typeof c === 'string') ||
      !counts.every(isCount)
    ) {
      throw new StatsInputError(
        argument,
        'categories and counts must be aligned arrays of labels and counts',
      );
    }
    return;
  }
  if (p.type !== 'numeric') throw new StatsInputError(argument, `has unknown type ${String(p.type)}`);
  const { psiEdges, psiCounts, sample } = p;
  if (!Array.isArray(psiEdges) || !Array.isArray(psiCounts) || psiCounts.length !== psiEdges.length + 1) {
    throw new StatsInputError(argument, 'psiCounts must have one more entry than psiEdges');
  }
  if (!psiEdges.every(Number.isFinite) || !psiCounts.every(isCount)) {
    throw new StatsInputError(argument, 'psiEdges must be finite and psiCounts non-negative integers');
  }
  if (!Array.isArray(sample) || sample.length === 0 || !sample.every(Number.isFinite)) {
    throw new StatsInputError(argument, 'sample must be a non-empty array of finite numbers');
  }
  for (let i = 1; i < sample.length; i++) {
    if ((sample[i] as number) < (sample[i - 1] as number)) {
      throw new StatsInputError(argument, 'sample must be in ascending order');
    }
  }
  const lag1 = p.lag1Autocorrelation;
  if (lag1 !== undefined && !(typeof lag1 === 'number' && lag1 >= -1 && lag1 <= 1)) {
    throw new StatsInputError(argument, 'lag1Autocorrelation must be a number in [-1, 1]');
  }
  for (const key of ['std', 'sampleKsError', 'sampleWassersteinError'] as const) {
    if (typeof p[key] !== 'number' || !Number.isFinite(p[key]) || (p[key] as number) < 0) {
      throw new StatsInputError(argument, `${key} must be a non-negative finite number`);
    }
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
