import assert from 'node:assert/strict';
import type { ArmStatisticsRow } from '../../../../../src/db/repositories/routing-outcome.repository';
import {
  adaptiveEpoch,
  computeAdaptiveWeights,
  type AdaptiveExperiment,
} from '../../../../../src/routing/service/config/adaptive-weights';
import { parseRoutingPolicy } from '../../../../../src/routing/service/config/routing-policy';

const arm = (variant: string, labelled: number, correct: number): ArmStatisticsRow => ({
  variant,
  labelled,
  correct,
  returnsN: 0,
  returnMean: null,
  returnVariance: null,
});

const experiment = (overrides: Partial<AdaptiveExperiment> = {}): AdaptiveExperiment => ({
  experimentId: '018f0000-0000-7000-8000-000000000001',
  strategy: 'thompson',
  primaryMetric: 'accuracy',
  variants: ['control', 'treatment'],
  configuredWeights: [0.5, 0.5],
  policy: parseRoutingPolicy({ routing: { reweightIntervalSeconds: 60 } }),
  ...overrides,
});

describe('adaptive weights', () => {
  it('keeps the configured weights until every arm has minUnitsPerArm outcomes', () => {
    const result = computeAdaptiveWeights(
      experiment(),
      [arm('control', 500, 250), arm('treatment', 99, 90)],
      1,
    );
    assert.deepEqual(result.weights, [0.5, 0.5]);
    assert.equal(result.updated, false);
    assert.match(result.reason, /treatment has 99 outcomes; every arm needs 100/);
  });

  it('moves Thompson weight to the clearly better arm, keeps the floor, and is identical for the same epoch', () => {
    const stats = [arm('control', 400, 200), arm('treatment', 400, 280)];
    const a = computeAdaptiveWeights(experiment(), stats, 42);
    const b = computeAdaptiveWeights(experiment(), stats, 42);
    assert.deepEqual(a.weights, b.weights, 'every router computing this epoch serves the same weights');
    assert.ok(a.weights[1]! > 0.9, `treatment weight ${a.weights[1]}`);
    assert.ok(a.weights[0]! >= 0.01 - 1e-12, `control keeps the 1% floor: ${a.weights[0]}`);
    assert.ok(Math.abs(a.weights[0]! + a.weights[1]! - 1) < 1e-9);
  });

  it('gives epsilon-greedy 1 − ε to the best arm and ε to the others (lower-is-better honoured)', () => {
    const eg = experiment({
      strategy: 'epsilon_greedy',
      policy: parseRoutingPolicy({ routing: { epsilon: 0.2 } }),
    });
    assert.deepEqual(
      computeAdaptiveWeights(eg, [arm('control', 200, 150), arm('treatment', 200, 100)], 1).weights,
      [0.8, 0.2],
    );
    const lower = experiment({
      strategy: 'epsilon_greedy',
      policy: parseRoutingPolicy({ routing: { epsilon: 0.2, direction: 'lower' } }),
    });
    assert.deepEqual(
      computeAdaptiveWeights(lower, [arm('control', 200, 150), arm('treatment', 200, 100)], 1).weights,
      [0.2, 0.8],
    );
  });

  it('uses trade returns (Gaussian) for return experiments', () => {
    const stats: ArmStatisticsRow[] = [
      {
        variant: 'control',
        labelled: 0,
        correct: 0,
        returnsN: 300,
        returnMean: -0.002,
        returnVariance: 0.0001,
      },
      {
        variant: 'treatment',
        labelled: 0,
        correct: 0,
        returnsN: 300,
        returnMean: 0.004,
        returnVariance: 0.0001,
      },
    ];
    const result = computeAdaptiveWeights(experiment({ primaryMetric: 'return' }), stats, 3);
    assert.ok(result.weights[1]! > 0.9);
  });

  it('numbers epochs by the reweighting interval', () => {
    assert.equal(adaptiveEpoch(1_700_000_000_000, 900_000), 1_888_888);
    assert.equal(adaptiveEpoch(59_999, 60_000), 0);
  });
});
