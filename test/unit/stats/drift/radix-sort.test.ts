import assert from 'node:assert/strict';
import { sortFloat64InPlace } from '../../../../src/stats/drift/radix-sort';
import { realize } from './sample-spec';

// The radix path (≥ 2,048 values) must order doubles exactly as a numeric comparison does.
function assertSortedLike(values: Float64Array): void {
  const expected = Array.from(values).sort((a, b) => a - b);
  const actual = sortFloat64InPlace(values.slice());
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    // -0 and +0 compare equal; their relative order is irrelevant to every caller.
    assert.ok(actual[i] === expected[i], `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('sortFloat64InPlace', () => {
  it('sorts 100,000 normal-like values', () =>
    assertSortedLike(realize({ seed: 1, n: 100_000, kind: 'normal', a: 0, b: 1, shift: 12 })));
  it('sorts heavy-tailed values of both signs', () =>
    assertSortedLike(realize({ seed: 2, n: 50_000, kind: 'heavy', a: 0, b: 1, shift: 20 })));
  it('sorts heavily tied values (skips digits shared by every key)', () =>
    assertSortedLike(realize({ seed: 3, n: 10_000, kind: 'uniform', a: -2, b: 1, shift: 0, bits: 2 })));
  it('sorts a constant array', () => assertSortedLike(new Float64Array(5000).fill(-3.5)));
  it('sorts extremes, signed zeros and subnormals', () => {
    const special = [
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      0,
      -0,
      1e-310,
      -1e-310,
      1,
      -1,
    ];
    const values = new Float64Array(4096);
    for (let i = 0; i < values.length; i++) values[i] = special[i % special.length]! * (1 + (i % 7) / 8);
    assertSortedLike(values);
  });
  it('sorts a subarray view in place without touching its neighbours', () => {
    const buffer = realize({ seed: 4, n: 6000, kind: 'normal', a: 0, b: 1, shift: 12 });
    const before = buffer[0];
    const after = buffer[5999];
    const view = buffer.subarray(1, 5999);
    const expected = Array.from(view).sort((a, b) => a - b);
    sortFloat64InPlace(view);
    assert.deepEqual(Array.from(view), expected);
    assert.equal(buffer[0], before);
    assert.equal(buffer[5999], after);
  });
  it('uses the built-in sort for short arrays', () => assertSortedLike(Float64Array.from([3, -1, 2, -0, 0])));
});
