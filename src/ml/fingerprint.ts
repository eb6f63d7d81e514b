/**
 * A 64-bit (16 hex digit) fingerprint of numeric arrays, over their exact float64 bits. Used to
 * refuse resuming a checkpoint on different data and to check that a candidate and a champion were
 * scored on the same holdout. Not cryptographic: it guards against mistakes, not adversaries.
 *
 * ### Examples
 * ```ts
 * fingerprintNumbers([Float64Array.from([1, 2])]); // '0b0f5f957c15719a' on every run and platform
 * fingerprintNumbers([Float64Array.from([1, 2])]) === fingerprintNumbers([Float64Array.from([1, 2.0000001])]); // false
 * ```
 */
export function fingerprintNumbers(arrays: ReadonlyArray<ArrayLike<number>>): string {
  // Two independent 32-bit FNV-1a style lanes over the 32-bit words of each float64.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer);
  for (const array of arrays) {
    h1 = Math.imul(h1 ^ array.length, 0x01000193);
    h2 = Math.imul(h2 ^ array.length, 0x5bd1e995);
    for (let i = 0; i < array.length; i++) {
      scratch[0] = array[i]!;
      for (let w = 0; w < 2; w++) {
        const v = words[w]!;
        h1 = Math.imul(h1 ^ v, 0x01000193);
        h2 = Math.imul(h2 ^ (v >>> 16) ^ (v << 16), 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
