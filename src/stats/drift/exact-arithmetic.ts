// Error-free transformations (Dekker / Knuth) for the few places where a product or a scale must be
// exact: the Smirnov sum needs floor(n·x) and its remainder without rounding.

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp split for 53-bit doubles

/** Returns [p, e] with p = fl(a·b) and a·b = p + e exactly (barring overflow). */
export function twoProduct(a: number, b: number): [product: number, error: number] {
  const p = a * b;
  const ca = SPLITTER * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLITTER * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, e];
}

/** x · 2^exponent without intermediate overflow or underflow of the scale factor. */
export function ldexp(x: number, exponent: number): number {
  let value = x;
  let e = exponent;
  while (e > 1000) {
    value *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    value *= 2 ** -1000;
    e += 1000;
  }
  return value * 2 ** e;
}

/** Rounds half to even, as numpy's `np.round` does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends .5 up; step back when that lands on an odd integer.
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}
