import assert from 'node:assert/strict';
import { compileRandomPicker } from '../../../../src/routing/allocation/random';
import { createRng } from '../../../../src/stats/random';
import { assertShares, inputError } from './helpers';

const DRAWS = 100_000;

describe('compileRandomPicker', () => {
  it('draws each variant with probability equal to its weight (100k seeded draws, χ² at α = 1e-6)', () => {
    for (const weights of [[0.5, 0.5], [0.7, 0.3], [0.1, 0.2, 0.3, 0.4], [0.6, 0, 0.4], [1]]) {
      const variants = weights.map((_, i) => `v${i}`);
      const picker = compileRandomPicker({ variants, weights });
      const rng = createRng(2026);
      const observed = new Array<number>(weights.length).fill(0);
      for (let i = 0; i < DRAWS; i++) observed[variants.indexOf(picker.pick(rng))]!++;
      assertShares(observed, weights, `${weights}`);
    }
  });

  it('replays exactly from the same seed', () => {
    const picker = compileRandomPicker({ variants: ['a', 'b', 'c'], weights: [0.2, 0.3, 0.5] });
    const run = (seed: number): string[] => {
      const rng = createRng(seed);
      return Array.from({ length: 1000 }, () => picker.pick(rng));
    };
    assert.deepEqual(run(9), run(9));
    assert.notDeepEqual(run(9), run(10));
  });

  it('never draws a zero-weight variant, even at the edges of [0, 1)', () => {
    const picker = compileRandomPicker({
      variants: ['off-first', 'a', 'off-mid', 'b', 'off-last'],
      weights: [0, 0.5, 0, 0.5 - 1e-10, 0],
    });
    for (const u of [0, 1e-12, 0.5 - 1e-12, 0.5, 0.9999999999, 1 - 2 ** -53]) {
      const pick = picker.pick({ next: () => u, normal: () => 0, gamma: () => 1, beta: () => 0.5 });
      assert.ok(pick === 'a' || pick === 'b', `u=${u} picked ${pick}`);
    }
  });

  it('validates like the hash assigner', () => {
    assert.throws(
      () => compileRandomPicker({ variants: ['a'], weights: [-1] }),
      inputError('weights[0]', 'weights[0]: must be a finite number >= 0, got -1'),
    );
    assert.throws(
      () => compileRandomPicker({ variants: ['a', 'b'], weights: [0.5, 0.4] }),
      inputError('weights', 'weights: must sum to 1, got 0.9'),
    );
  });
});
