import { StatsInputError } from '../errors';
import { chiSquareTest } from './chi-square-test';
import type { DriftMethod, ResolvedDriftPolicy } from './drift-policy';
import { jensenShannonDistance } from './jensen-shannon';
import { ksStatisticSorted } from './ks-test';
import { alignedCounts, normalizedWassersteinFromSorted, type CurrentColumn } from './profile-statistics';
import { psiFromCounts } from './psi';
import type { ReferenceProfile } from './reference-profile';
import { toSortedSample } from './sorted-sample';

/** The method detectDrift uses for a feature: the policy's override, else Evidently's choice by reference rows. */
export function chooseMethod(
  profile: ReferenceProfile,
  name: string,
  policy: ResolvedDriftPolicy,
): { method: DriftMethod; threshold: number } {
  const chosen = policy.methods.get(name);
  const small = profile.n <= policy.largeSampleRows;
  const method =
    chosen?.method ??
    (profile.type === 'numeric' ? (small ? 'ks' : 'wasserstein') : small ? 'chisquare' : 'jensenshannon');
  return { method, threshold: chosen?.threshold ?? policy.thresholds[method] };
}

/**
 * The statistic a method compares, larger = further from the reference: KS D, χ², normalised
 * Wasserstein, PSI or Jensen–Shannon distance. Calibrated thresholds are set on this number.
 */
export function featureStatistic(
  profile: ReferenceProfile,
  column: CurrentColumn,
  method: DriftMethod,
  name: string,
): number {
  const argument = `currentColumns.${name}`;
  if (method === 'ks' || method === 'wasserstein') {
    if (profile.type !== 'numeric') {
      throw new StatsInputError(
        `policy.methods.${name}`,
        `'${method}' needs a numeric feature; "${name}" is categorical`,
      );
    }
    const sorted = toSortedSample(column as ArrayLike<number>, argument);
    return method === 'ks'
      ? ksStatisticSorted(Float64Array.from(profile.sample), sorted)
      : normalizedWassersteinFromSorted(profile, sorted);
  }
  const [ref, cur] = alignedCounts(profile, column, argument);
  if (method === 'chisquare') return chiSquareTest(ref, cur).statistic;
  return method === 'psi' ? psiFromCounts(ref, cur) : jensenShannonDistance(ref, cur);
}
