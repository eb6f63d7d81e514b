import { StatsInputError } from '../errors';
import { chiSquareTest, type ChiSquareTestResult } from './chi-square-test';
import { jensenShannonDistance } from './jensen-shannon';
import { ksPValue, ksStatisticSorted, type KsTestResult } from './ks-test';
import { assertReferenceProfile } from './profile-check';
import { countSortedIntoBins, psiFromCounts } from './psi';
import {
  countCategories,
  type CategoricalReferenceProfile,
  type NumericReferenceProfile,
  type ReferenceProfile,
} from './reference-profile';
import { toSortedSample } from './sorted-sample';
import { normalizingStd, wassersteinSorted } from './wasserstein';

/** Current data for one column: numbers for a numeric profile; strings (or numeric codes) for a categorical one. */
export type CurrentColumn = ArrayLike<number> | readonly string[];

/**
 * Two-sample KS test of `current` against a stored numeric profile. D is computed against the
 * profile's sample and the p-value uses the full reference size `profile.n`, so with a complete sample
 * (n ≤ sampleSize) the result equals {@link ksTwoSample} on the raw reference; otherwise D is within
 * `profile.sampleKsError` (≤ 1/(2·sample.length)) of it, plus at most 1/(2·max(n, current rows)) when
 * both sizes are ≤ 10,000 and scipy's exact path snaps D to its lattice. The p-value moves with D.
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * ksFromProfile(fitReferenceProfile([1, 2, 3, 4]), [5, 6, 7, 8]);
 * // { statistic: 1, pValue: 0.02857142857142857, method: 'exact' }
 * ```
 */
export function ksFromProfile(profile: ReferenceProfile, current: CurrentColumn): KsTestResult {
  const numeric = numericProfile(profile, 'ks');
  return ksFromSorted(numeric, toSortedSample(current as ArrayLike<number>, 'current'));
}

/**
 * Wasserstein-1 distance of `current` from a stored numeric profile (the raw W₁, in data units).
 * Equals {@link wassersteinDistance} on the raw reference when the sample is complete; otherwise it is
 * within `profile.sampleWassersteinError` of it (triangle inequality), which is at most
 * (max − min)/(2·sample.length).
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * wassersteinFromProfile(fitReferenceProfile([0, 1, 3]), [5, 6, 8]); // 5
 * ```
 */
export function wassersteinFromProfile(profile: ReferenceProfile, current: CurrentColumn): number {
  const numeric = numericProfile(profile, 'wasserstein');
  return wassersteinSorted(
    Float64Array.from(numeric.sample),
    toSortedSample(current as ArrayLike<number>, 'current'),
  );
}

/**
 * PSI of `current` against a stored profile: the stored reference-quantile edges and bin counts for a
 * numeric profile (identical to {@link psi} on the raw reference with the same `bins`), or the
 * categories of both samples for a categorical one (empty shares become 1e-4 as in {@link psi}).
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * psiFromProfile(fitReferenceProfile([1, 2, 3, 4], { psiBins: 2 }), [1, 2, 3, 4]); // 0
 * psiFromProfile(fitReferenceProfile(['a', 'b']), ['a', 'a']); // 4.60431846666895
 * ```
 */
export function psiFromProfile(profile: ReferenceProfile, current: CurrentColumn): number {
  assertReferenceProfile(profile, 'profile');
  const [ref, cur] = alignedCounts(profile, current, 'current');
  return psiFromCounts(ref, cur);
}

/**
 * Jensen–Shannon distance (base 2) between the reference and current shares: per category for a
 * categorical profile, per PSI bin for a numeric one (no empty-bin filling).
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * jensenShannonFromProfile(fitReferenceProfile(['a', 'b']), ['c', 'c']); // 1
 * ```
 */
export function jensenShannonFromProfile(profile: ReferenceProfile, current: CurrentColumn): number {
  assertReferenceProfile(profile, 'profile');
  const [ref, cur] = alignedCounts(profile, current, 'current');
  return jensenShannonDistance(ref, cur);
}

/**
 * χ² test of homogeneity between the reference and current counts: per category for a categorical
 * profile, per PSI bin for a numeric one. See {@link chiSquareTest}.
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * chiSquareFromProfile(fitReferenceProfile(['a', 'a', 'a', 'b']), ['a', 'b', 'b', 'b']);
 * // { statistic: 2, df: 1, pValue: 0.1572992070502… } (scipy: 0.15729920705028105)
 * ```
 */
export function chiSquareFromProfile(profile: ReferenceProfile, current: CurrentColumn): ChiSquareTestResult {
  assertReferenceProfile(profile, 'profile');
  const [ref, cur] = alignedCounts(profile, current, 'current');
  return chiSquareTest(ref, cur);
}

/** KS against a profile for an already validated, sorted current sample. */
export function ksFromSorted(profile: NumericReferenceProfile, current: Float64Array): KsTestResult {
  const d = ksStatisticSorted(Float64Array.from(profile.sample), current);
  return ksPValue(d, profile.n, current.length);
}

/** Evidently's normalised Wasserstein score against a profile, for a sorted current sample. */
export function normalizedWassersteinFromSorted(
  profile: NumericReferenceProfile,
  current: Float64Array,
): number {
  return wassersteinSorted(Float64Array.from(profile.sample), current) / normalizingStd(profile.std);
}

/**
 * Reference and current counts over the same cells: PSI bins for numeric profiles; for categorical
 * ones the profile's categories followed by categories seen only in `current` (first-seen order).
 */
export function alignedCounts(
  profile: ReferenceProfile,
  current: CurrentColumn,
  argument: string,
): [number[], number[]] {
  if (profile.type === 'numeric') {
    const sorted = toSortedSample(current as ArrayLike<number>, argument);
    return [profile.psiCounts, countSortedIntoBins(sorted, profile.psiEdges)];
  }
  return categoricalCounts(profile, countCategories(current, argument), argument);
}

function categoricalCounts(
  profile: CategoricalReferenceProfile,
  current: Map<string, number>,
  argument: string,
): [number[], number[]] {
  if (current.size === 0) throw new StatsInputError(argument, 'must not be empty');
  const ref = profile.counts.slice();
  const cur = profile.categories.map((c) => current.get(c) ?? 0);
  const known = new Set(profile.categories);
  for (const [label, count] of current) {
    if (known.has(label)) continue;
    ref.push(0);
    cur.push(count);
  }
  return [ref, cur];
}

function numericProfile(profile: ReferenceProfile, method: string): NumericReferenceProfile {
  assertReferenceProfile(profile, 'profile');
  if (profile.type !== 'numeric') {
    throw new StatsInputError('profile', `is categorical; '${method}' needs a numeric profile`);
  }
  return profile;
}
