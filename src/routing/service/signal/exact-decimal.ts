// The original arbitrator compared thresholds as Decimal(str(float)). For plain comparisons of two
// doubles that is the same as comparing the doubles (shortest round-trip decimals keep the order),
// but a derived value such as 1 − q is not: 1 − 0.35 in binary is not the decimal 0.65. These
// helpers redo the seed's decimal arithmetic exactly, on the shortest decimal of each double.

/** A decimal `coefficient × 10^-scale`. */
interface Decimal {
  readonly coefficient: bigint;
  readonly scale: number;
}

/**
 * The exact decimal written by `String(x)` (the shortest decimal that round-trips, like Python's
 * `str(float)`), as coefficient and scale.
 *
 * ### Examples
 * ```ts
 * decimalOf(0.35); // { coefficient: 35n, scale: 2 }
 * decimalOf(1e-7); // { coefficient: 1n, scale: 7 }
 * ```
 */
export function decimalOf(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  const [mantissa, exponentText] = String(x).toLowerCase().split('e') as [string, string | undefined];
  const negative = mantissa.startsWith('-');
  const [whole, fraction = ''] = (negative ? mantissa.slice(1) : mantissa).split('.') as [
    string,
    string | undefined,
  ];
  let coefficient = BigInt(whole + fraction);
  let scale = fraction.length - Number(exponentText ?? 0);
  if (scale < 0) {
    coefficient *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { coefficient: negative ? -coefficient : coefficient, scale };
}

function align(a: Decimal, b: Decimal): [bigint, bigint] {
  const scale = Math.max(a.scale, b.scale);
  return [a.coefficient * 10n ** BigInt(scale - a.scale), b.coefficient * 10n ** BigInt(scale - b.scale)];
}

/**
 * Compares `(1 − q)` with `t` exactly in decimal: negative, zero or positive like a comparator.
 *
 * ### Examples
 * ```ts
 * compareComplement(0.35, 0.65); // 0   (1 − 0.35 = 0.65 exactly, where 1 - 0.35 >= 0.65 in binary might not hold)
 * compareComplement(0.2, 0.65);  // > 0
 * ```
 */
export function compareComplement(q: number, t: number): number {
  const dq = decimalOf(q);
  const one: Decimal = { coefficient: 10n ** BigInt(dq.scale), scale: dq.scale };
  const [oneAligned, qAligned] = align(one, dq);
  const complement: Decimal = { coefficient: oneAligned - qAligned, scale: Math.max(one.scale, dq.scale) };
  const [x, y] = align(complement, decimalOf(t));
  return x === y ? 0 : x > y ? 1 : -1;
}
