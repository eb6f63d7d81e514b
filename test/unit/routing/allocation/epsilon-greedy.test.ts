import assert from 'node:assert/strict';
import { bestArmIndex, compileEpsilonGreedy } from '../../../../src/routing/allocation/epsilon-greedy';
import { compileAssigner } from '../../../../src/routing/allocation/assigner';
import type { ArmObservation } from '../../../../src/routing/allocation/types';
import { createRng } from '../../../../src/stats/random';
import { assertShares, inputError } from './helpers';

const DRAWS = 100_000;

function shares<K extends string>(variants: readonly K[], pick: () => K): number[] {
  const out = new Array<number>(variants.length).fill(0);
  for (let i = 0; i < DRAWS; i++) out[variants.indexOf(pick())]!++;
  return out;
}

describe('epsilon-greedy', () => {
  const variants = ['control', 't1', 't2', 't3'] as const;
  const arms: ArmObservation[] = [
    { n: 500, mean: 0.5 },
    { n: 500, mean: 0.55 },
    { n: 500, mean: 0.61 },
    { n: 500, mean: 0.58 },
  ];

  it('gives the best arm 1 − ε and each other arm ε/(k−1) over 100k seeded draws', () => {
    for (const epsilon of [0.1, 0.3]) {
      const policy = compileEpsilonGreedy({ variants, epsilon });
      const rng = createRng(77);
      const observed = shares(variants, () => policy.pick(arms, rng));
      const other = epsilon / 3;
      assertShares(observed, [other, other, 1 - epsilon, other], `ε=${epsilon}`);
    }
  });

  it('uses ε = 0.1 by default', () => {
    const policy = compileEpsilonGreedy({ variants });
    assert.equal(policy.epsilon, 0.1);
  });

  it('never explores the best arm: with ε = 1 the best arm gets no traffic and the others split evenly', () => {
    const policy = compileEpsilonGreedy({ variants, epsilon: 1 });
    const rng = createRng(5);
    const observed = shares(variants, () => policy.pick(arms, rng));
    assert.equal(observed[2], 0);
    assertShares(observed, [1 / 3, 1 / 3, 0, 1 / 3], 'ε=1');
  });

  it('exploits a better treatment (the original Gal-Friday always exploited control, treatment got ~5%)', () => {
    const policy = compileEpsilonGreedy({ variants: ['control', 'treatment'] });
    const rng = createRng(8);
    const observed = shares(['control', 'treatment'], () =>
      policy.pick(
        [
          { n: 1000, mean: 0.5 },
          { n: 1000, mean: 0.6 },
        ],
        rng,
      ),
    );
    assertShares(observed, [0.1, 0.9], 'two arms');
  });

  it('breaks ties in the best arm by the lowest index, and skips arms without data', () => {
    assert.equal(
      bestArmIndex([
        { n: 10, mean: 0.2 },
        { n: 10, mean: 0.5 },
        { n: 10, mean: 0.5 },
      ]),
      1,
    );
    assert.equal(
      bestArmIndex([
        { n: 0, mean: 99 },
        { n: 5, mean: -1 },
      ]),
      1,
    );
    assert.equal(
      bestArmIndex([
        { n: 0, mean: 0 },
        { n: 0, mean: 0 },
      ]),
      0,
    );
    assert.equal(
      bestArmIndex(
        [
          { n: 10, mean: 0.2 },
          { n: 10, mean: 0.5 },
        ],
        'lower',
      ),
      0,
    );
    const policy = compileEpsilonGreedy({ variants: ['a', 'b', 'c'], epsilon: 0.2 });
    const tied = [
      { n: 5, mean: 1 },
      { n: 5, mean: 1 },
      { n: 5, mean: 0 },
    ];
    assert.deepEqual(policy.weights(tied), [0.8, 0.1, 0.1]);
  });

  it('picks the lowest mean when lower is better (e.g. slippage)', () => {
    const policy = compileEpsilonGreedy({ variants, epsilon: 0.2, direction: 'lower' });
    const rng = createRng(12);
    const observed = shares(variants, () => policy.pick(arms, rng));
    assertShares(observed, [0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3], 'lower');
  });

  it('always picks the only arm when k = 1, whatever ε', () => {
    const policy = compileEpsilonGreedy({ variants: ['solo'], epsilon: 1 });
    const rng = createRng(1);
    for (let i = 0; i < 1000; i++) assert.equal(policy.pick([{ n: 3, mean: 1 }], rng), 'solo');
    assert.deepEqual(policy.weights([{ n: 3, mean: 1 }]), [1]);
  });

  it('weights() gives the same shares, ready to serve through a sticky hash assigner', () => {
    const policy = compileEpsilonGreedy({ variants, epsilon: 0.1 });
    const weights = policy.weights(arms);
    assert.deepEqual(weights, [0.1 / 3, 0.1 / 3, 0.9, 0.1 / 3]);
    const assigner = compileAssigner({ salt: 'exp-eg', variants, weights });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < DRAWS; i++) counts[variants.indexOf(assigner.assign(`u${i}`)!)]!++;
    assertShares(counts, weights, 'served by hash');
  });

  it('validates ε, direction and observations with messages naming the field', () => {
    assert.throws(
      () => compileEpsilonGreedy({ variants, epsilon: 1.5 }),
      inputError('epsilon', 'epsilon: must be a number in [0, 1], got 1.5'),
    );
    assert.throws(
      () => compileEpsilonGreedy({ variants, epsilon: -0.1 }),
      inputError('epsilon', 'epsilon: must be a number in [0, 1], got -0.1'),
    );
    assert.throws(
      () => compileEpsilonGreedy({ variants, direction: 'up' as 'higher' }),
      inputError('direction', `direction: must be 'higher' or 'lower', got "up"`),
    );
    const policy = compileEpsilonGreedy({ variants: ['a', 'b'] });
    const rng = createRng(1);
    assert.throws(
      () => policy.pick([{ n: 1, mean: 0 }], rng),
      inputError('arms', 'arms: must have one observation per variant (2), got 1'),
    );
    assert.throws(
      () =>
        policy.pick(
          [
            { n: 1, mean: 0 },
            { n: -1, mean: 0 },
          ],
          rng,
        ),
      inputError('arms[1].n', 'arms[1].n: must be an integer >= 0, got -1'),
    );
    assert.throws(
      () =>
        policy.weights([
          { n: 1, mean: NaN },
          { n: 1, mean: 0 },
        ]),
      inputError('arms[0].mean', 'arms[0].mean: must be a finite number, got NaN'),
    );
  });
});
