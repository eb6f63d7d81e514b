import assert from 'node:assert/strict';
import {
  adjustPValues,
  chiSquareTest,
  fitReferenceProfile,
  jensenShannonDistance,
  kolmogorovSf,
  ksTwoSample,
  kstwoSf,
  normalizedWasserstein,
  psi,
  psiFromCounts,
  smirnovSf,
  StatsInputError,
  wassersteinDistance,
} from '../../../../src/stats';

/** Asserts that `fn` throws a StatsInputError naming `argument`, with exactly `message` when given. */
function throwsInput(fn: () => unknown, argument: string, message?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StatsInputError, `expected StatsInputError, got ${String(error)}`);
    assert.equal(error.argument, argument);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

describe('drift input validation', () => {
  const samples: Array<[string, (a: number[], b: number[]) => unknown]> = [
    ['ksTwoSample', ksTwoSample],
    ['wassersteinDistance', wassersteinDistance],
    ['normalizedWasserstein', normalizedWasserstein],
    ['psi', psi],
  ];
  for (const [name, fn] of samples) {
    describe(name, () => {
      it('rejects an empty reference, naming it', () =>
        throwsInput(() => fn([], [1]), 'reference', 'reference: must not be empty'));
      it('rejects an empty current sample, naming it', () =>
        throwsInput(() => fn([1], []), 'current', 'current: must not be empty'));
      it('rejects NaN with its position', () =>
        throwsInput(
          () => fn([1, NaN], [1]),
          'reference',
          'reference: element 1 is NaN; values must be finite numbers',
        ));
      it('rejects +Infinity', () =>
        throwsInput(
          () => fn([1], [2, Infinity]),
          'current',
          'current: element 1 is Infinity; values must be finite numbers',
        ));
      it('rejects -Infinity', () => throwsInput(() => fn([-Infinity], [1]), 'reference'));
      it('rejects a string posing as a number', () =>
        throwsInput(
          () => fn([1, '2' as unknown as number], [1]),
          'reference',
          'reference: element 1 is "2"; values must be finite numbers',
        ));
      it('rejects a non-array', () =>
        throwsInput(() => fn(undefined as unknown as number[], [1]), 'reference'));
      it('does not reorder the caller arrays', () => {
        const reference = [3, 1, 2];
        const current = [9, 7, 8];
        fn(reference, current);
        assert.deepEqual(reference, [3, 1, 2]);
        assert.deepEqual(current, [9, 7, 8]);
      });
    });
  }

  describe('psi options', () => {
    it('rejects zero bins', () =>
      throwsInput(
        () => psi([1, 2], [1, 2], { bins: 0 }),
        'options.bins',
        'options.bins: must be an integer in [1, 10000], got 0',
      ));
    it('rejects fractional bins', () =>
      throwsInput(() => psi([1, 2], [1, 2], { bins: 2.5 }), 'options.bins'));
  });

  describe('chiSquareTest', () => {
    it('rejects negative counts', () =>
      throwsInput(
        () => chiSquareTest([1, -1], [1, 1]),
        'referenceCounts',
        'referenceCounts: element 1 is -1; counts must be non-negative integers',
      ));
    it('rejects non-integer counts', () =>
      throwsInput(
        () => chiSquareTest([1, 2], [1.5, 1]),
        'currentCounts',
        'currentCounts: element 0 is 1.5; counts must be non-negative integers',
      ));
    it('rejects NaN counts', () => throwsInput(() => chiSquareTest([NaN], [1]), 'referenceCounts'));
    it('rejects Infinity counts', () => throwsInput(() => chiSquareTest([1], [Infinity]), 'currentCounts'));
    it('rejects rows of different length', () =>
      throwsInput(
        () => chiSquareTest([1, 2], [1, 2, 3]),
        'currentCounts',
        'currentCounts: must have the same length as referenceCounts (2), got 3',
      ));
    it('rejects an all-zero row', () =>
      throwsInput(
        () => chiSquareTest([0, 0], [1, 2]),
        'referenceCounts',
        'referenceCounts: must contain at least one positive count',
      ));
    it('rejects empty rows', () => throwsInput(() => chiSquareTest([], []), 'referenceCounts'));
  });

  describe('psiFromCounts', () => {
    it('rejects fractional counts', () => throwsInput(() => psiFromCounts([1.2], [1]), 'referenceCounts'));
    it('rejects an all-zero current row', () =>
      throwsInput(
        () => psiFromCounts([1, 2], [0, 0]),
        'currentCounts',
        'currentCounts: must contain at least one positive count',
      ));
  });

  describe('jensenShannonDistance', () => {
    it('rejects negative weights', () =>
      throwsInput(
        () => jensenShannonDistance([1, -0.5], [1, 1]),
        'p',
        'p: element 1 is -0.5; weights must be finite and non-negative',
      ));
    it('rejects an all-zero distribution', () =>
      throwsInput(() => jensenShannonDistance([1, 1], [0, 0]), 'q', 'q: must have a positive, finite sum'));
    it('rejects different lengths', () => throwsInput(() => jensenShannonDistance([1], [1, 2]), 'q'));
    it('rejects NaN', () => throwsInput(() => jensenShannonDistance([NaN], [1]), 'p'));
    it('rejects base 1', () =>
      throwsInput(() => jensenShannonDistance([1], [1], { base: 1 }), 'options.base'));
  });

  describe('distribution functions', () => {
    it('kstwoSf rejects a fractional n', () =>
      throwsInput(() => kstwoSf(2.5, 0.1), 'n', 'n: must be a positive integer, got 2.5'));
    it('kstwoSf rejects NaN x', () =>
      throwsInput(() => kstwoSf(10, NaN), 'x', 'x: must be a number, got NaN'));
    it('kolmogorovSf rejects NaN', () => throwsInput(() => kolmogorovSf(NaN), 'x'));
    it('smirnovSf rejects x outside [0, 1]', () =>
      throwsInput(() => smirnovSf(10, 1.5), 'x', 'x: must be a number in [0, 1], got 1.5'));
    it('smirnovSf rejects n = 0', () => throwsInput(() => smirnovSf(0, 0.5), 'n'));
    it('adjustPValues rejects a p-value above 1', () =>
      throwsInput(
        () => adjustPValues([0.5, 1.2], 'bh'),
        'pValues',
        'pValues: element 1 is 1.2; p-values must be in [0, 1]',
      ));
  });

  describe('fitReferenceProfile', () => {
    it('rejects an empty column', () =>
      throwsInput(() => fitReferenceProfile([]), 'values', 'values: must not be empty'));
    it('rejects NaN in a numeric column', () => throwsInput(() => fitReferenceProfile([1, NaN]), 'values'));
    it('rejects a mixed column', () =>
      throwsInput(
        () => fitReferenceProfile(['a', null as unknown as string]),
        'values',
        'values: element 1 is null; categories must be strings or finite numbers',
      ));
    it('rejects a zero sample size', () =>
      throwsInput(() => fitReferenceProfile([1], { sampleSize: 0 }), 'options.sampleSize'));
  });
});
