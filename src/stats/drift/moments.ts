/**
 * Mean and population standard deviation (ddof = 0, as `np.std`), two-pass with compensated sums.
 * Values whose squares overflow give std = Infinity, as numpy does.
 */
export function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  const sum = new CompensatedSum();
  for (let i = 0; i < n; i++) sum.add(values[i]!);
  const mean = sum.value() / n;
  const squares = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares.add(d * d);
  }
  return { mean, std: Math.sqrt(squares.value() / n) };
}

/** Neumaier summation: error O(ε) independent of the number of terms, instead of O(n·ε). */
export class CompensatedSum {
  private sum = 0;
  private carry = 0;

  add(x: number): void {
    const t = this.sum + x;
    // Once the sum overflows, the correction term is Infinity − Infinity; keep the infinite sum.
    if (Number.isFinite(t)) {
      this.carry += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    }
    this.sum = t;
  }

  value(): number {
    return Number.isFinite(this.sum) ? this.sum + this.carry : this.sum;
  }
}
