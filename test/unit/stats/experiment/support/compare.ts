import assert from 'node:assert/strict';
import { assertClose, closeness, PROBABILITY, STATISTIC, Tolerance } from './golden';

const PROBABILITY_FIELDS = new Set(['pValue', 'probability']);

/**
 * Compares a result against a golden expected value field by field: p-values at 1e-6 relative (1e-12
 * absolute below 1e-8), every other number at 1e-9 relative, booleans exactly. Interval bounds are
 * compared relative to the interval's scale (max |bound|), since a bound that happens to sit near 0
 * carries the absolute rounding error of a difference of two larger numbers.
 */
export function compareResult(
  actual: unknown,
  expected: unknown,
  field = 'result',
  numberTol: Tolerance = STATISTIC,
): void {
  if (typeof expected === 'number') {
    assertClose(actual as number, expected, PROBABILITY_FIELDS.has(field) ? PROBABILITY : numberTol, field);
    return;
  }
  if (typeof expected === 'boolean') {
    assert.equal(actual, expected, `${field}: got ${String(actual)}, expected ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${field}: expected an array`);
    const got = actual as number[];
    assert.equal(got.length, expected.length, `${field}: length ${got.length}, expected ${expected.length}`);
    if (field === 'ci') {
      const scale = Math.max(...(expected as number[]).map((v) => Math.abs(v)));
      (expected as number[]).forEach((want, i) => {
        const err = Math.abs((got[i] as number) - want);
        assert.ok(
          Number.isFinite(got[i] as number) && err <= numberTol.rel * scale + 1e-300,
          `ci[${i}]: got ${got[i]}, expected ${want} (error ${err.toExponential(2)} vs scale ${scale.toExponential(2)})`,
        );
      });
      return;
    }
    expected.forEach((want, i) => compareResult(got[i], want, `${field}[${i}]`, numberTol));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    const sample = expected as { length?: number; at?: number[]; values?: number[] };
    if (Array.isArray(sample.at) && Array.isArray(sample.values) && typeof sample.length === 'number') {
      const got = actual as number[];
      assert.equal(got.length, sample.length, `${field}: length ${got.length}, expected ${sample.length}`);
      sample.at.forEach((index, k) =>
        compareResult(got[index], sample.values?.[k], `${field}[${index}]`, numberTol),
      );
      return;
    }
    for (const [key, want] of Object.entries(expected)) {
      compareResult((actual as Record<string, unknown>)[key], want, key, numberTol);
    }
    return;
  }
  assert.deepEqual(actual, expected, field);
}

export { closeness };
