import { murmur3 } from './murmur3';
import { BUCKET_COUNT } from './types';

/**
 * The 32-bit hash that places a unit: MurmurHash3 x86 32-bit, seed 0, of the UTF-8 string
 * `${salt}:${unitId}`. This is the cross-language contract pinned by the golden vectors.
 *
 * ### Examples
 * ```ts
 * unitHash('exp-42', 'user-1'); // 428924505
 * ```
 */
export function unitHash(salt: string, unitId: string): number {
  return murmur3(`${salt}:${unitId}`);
}

/**
 * The bucket, in [0, 10000), of a unit under a salt: {@link unitHash} modulo 10,000. (2^32 is not a
 * multiple of 10,000, so buckets below 7296 are 1 in 429,497 more likely: far below any SRM test's reach.)
 *
 * ### Examples
 * ```ts
 * unitBucket('exp-42', 'user-1'); // 4505
 * ```
 */
export function unitBucket(salt: string, unitId: string): number {
  return unitHash(salt, unitId) % BUCKET_COUNT;
}
