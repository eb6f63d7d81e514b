// Shared imports and fixtures for the ML unit tests: one seeded market and its datasets, built once.
import { createRng, maxDrawdown, sharpeRatio } from '../../../src/stats';
import { generateSyntheticMarket, prepareTrainingData, type PreparedData } from '../../../src/ml';

export * from '../../../src/ml';
export { createRng, maxDrawdown, sharpeRatio };

const cache = new Map<string, PreparedData>();

/** Train/holdout data for a target from a seeded synthetic market (cached per arguments). */
export function marketData(target: 'prob_up' | 'price_change_pct', seed = 101, bars = 6000): PreparedData {
  const key = `${target}:${seed}:${bars}`;
  let data = cache.get(key);
  if (data === undefined) {
    const market = generateSyntheticMarket({ seed, bars });
    data = prepareTrainingData(market.bars, target === 'prob_up' ? 'gbdt-classifier' : 'gbdt-regressor');
    cache.set(key, data);
  }
  return data;
}

/** Rows of a logistic problem with known weights: P(y=1) = sigmoid(x·w + b). */
export function logisticProblem(
  n: number,
  weights: number[],
  bias: number,
  seed: number,
): { x: number[][]; y: number[] } {
  const rng = createRng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = weights.map(() => rng.normal());
    const z = bias + row.reduce((s, v, j) => s + v * weights[j]!, 0);
    x.push(row);
    y.push(rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { x, y };
}
