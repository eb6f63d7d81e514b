import assert from 'node:assert/strict';
import { compileAssigner } from '../../../../src/routing/allocation/assigner';
import { getBucketRanges } from '../../../../src/routing/allocation/bucket-ranges';
import type { AllocationConfig } from '../../../../src/routing/allocation/types';
import { StatsInputError } from '../../../../src/stats/errors';
import { inputError } from './helpers';

const base: AllocationConfig = { salt: 'exp-1', variants: ['control', 'treatment'], weights: [0.5, 0.5] };

function rejects(patch: Partial<AllocationConfig>, argument: string, message: string): void {
  assert.throws(() => compileAssigner({ ...base, ...patch }), inputError(argument, message));
}

describe('allocation config validation', () => {
  it('throws a StatsInputError (not a clamp, not a fallback to equal weights)', () => {
    assert.throws(() => compileAssigner({ ...base, weights: [0.5, 0.4] }), StatsInputError);
  });

  it('weights must sum to 1 within 1e-9', () => {
    rejects({ weights: [0.5, 0.4] }, 'weights', 'weights: must sum to 1, got 0.9');
    rejects({ weights: [0.6, 0.6] }, 'weights', 'weights: must sum to 1, got 1.2');
    rejects({ weights: [0.5, 0.5 + 1e-8] }, 'weights', 'weights: must sum to 1, got 1.00000001');
    // Decimal fractions that do not add up exactly in binary are fine.
    assert.doesNotThrow(() =>
      compileAssigner({ ...base, variants: ['a', 'b', 'c'], weights: [0.1, 0.2, 0.7] }),
    );
    assert.doesNotThrow(() => compileAssigner({ ...base, weights: [1 / 3, 2 / 3] }));
  });

  it('weights must be finite and ≥ 0, one per variant', () => {
    rejects({ weights: [1.2, -0.2] }, 'weights[1]', 'weights[1]: must be a finite number >= 0, got -0.2');
    rejects({ weights: [NaN, 1] }, 'weights[0]', 'weights[0]: must be a finite number >= 0, got NaN');
    rejects(
      { weights: [Infinity, 0] },
      'weights[0]',
      'weights[0]: must be a finite number >= 0, got Infinity',
    );
    rejects(
      { weights: [0.5, 0.25, 0.25] },
      'weights',
      'weights: must have one weight per variant (2), got 3',
    );
    rejects({ weights: [] }, 'weights', 'weights: must be a non-empty array of numbers');
  });

  it('coverage must be in [0, 1]', () => {
    rejects({ coverage: 1.5 }, 'coverage', 'coverage: must be a number in [0, 1], got 1.5');
    rejects({ coverage: -0.1 }, 'coverage', 'coverage: must be a number in [0, 1], got -0.1');
    rejects({ coverage: NaN }, 'coverage', 'coverage: must be a number in [0, 1], got NaN');
    assert.throws(
      () => getBucketRanges([0.7, 0.3], 1.2),
      inputError('coverage', 'coverage: must be a number in [0, 1], got 1.2'),
    );
  });

  it('needs at least one variant, with distinct non-empty keys', () => {
    rejects({ variants: [], weights: [] }, 'variants', 'variants: must have at least 1 variant, got 0');
    rejects({ variants: ['a', 'a'] }, 'variants', 'variants: keys must be distinct, got "a" twice');
    rejects({ variants: ['a', ''] }, 'variants[1]', 'variants[1]: must be a non-empty string, got ""');
    assert.doesNotThrow(() => compileAssigner({ ...base, variants: ['only'], weights: [1] }));
  });

  it('needs a non-empty salt', () => {
    rejects({ salt: '' }, 'salt', 'salt: must be a non-empty string, got ""');
  });

  it('checks the layer slice and forbids reusing the experiment salt as the layer salt', () => {
    rejects(
      { layer: { salt: 'exp-1', start: 0, end: 5000 } },
      'layer.salt',
      'layer.salt: must differ from the experiment salt, got "exp-1" for both',
    );
    rejects(
      { layer: { salt: 'l', start: -1, end: 5000 } },
      'layer.start',
      'layer.start: must be an integer in [0, 9999], got -1',
    );
    rejects(
      { layer: { salt: 'l', start: 0, end: 0.5 } },
      'layer.end',
      'layer.end: must be an integer in [1, 10000], got 0.5',
    );
    rejects(
      { layer: { salt: '', start: 0, end: 10 } },
      'layer.salt',
      'layer.salt: must be a non-empty string, got ""',
    );
  });
});
