import assert from 'node:assert/strict';
import type {
  RoutingConfigRows,
  RoutingExperimentRow,
  RoutingVariantRow,
} from '../../../../../src/db/repositories/routing-config.repository';
import { buildRoutingSnapshot } from '../../../../../src/routing/service/config/routing-snapshot';
import { createRouterMetrics } from '../../../../../src/routing/service/observability/router-metrics';
import { createRng } from '../../../../../src/stats/random';

const schema = { version: 1, names: ['a', 'b'] };

function rows(overrides: Partial<RoutingConfigRows> = {}): RoutingConfigRows {
  return {
    models: [
      { modelId: '1', name: 'btc-1h', predictionTarget: 'prob_up', featureSchema: schema },
      { modelId: '2', name: 'eth-1h', predictionTarget: 'price_change_pct', featureSchema: schema },
    ],
    aliases: [
      { modelId: '1', alias: 'champion', versionId: '10', version: 1 },
      { modelId: '1', alias: 'challenger', versionId: '12', version: 3 },
      { modelId: '2', alias: 'champion', versionId: '20', version: 1 },
    ],
    experiments: [],
    variants: [],
    ...overrides,
  };
}

const experiment = (
  id: string,
  modelId: string,
  extra: Partial<RoutingExperimentRow> = {},
): RoutingExperimentRow => ({
  experimentId: id,
  modelId,
  name: id,
  allocationStrategy: 'hash',
  salt: `salt-${id}`,
  coverage: 1,
  layer: null,
  primaryMetric: 'accuracy',
  policy: {},
  ...extra,
});
const variant = (
  experimentId: string,
  name: string,
  versionId: string,
  weight: number,
  isControl = false,
): RoutingVariantRow => ({
  experimentId,
  variant: name,
  versionId,
  version: Number(versionId) % 10,
  weight,
  isControl,
});
const context = () => ({ metrics: createRouterMetrics(), weightsFor: () => null, now: 0 });

describe('routing snapshot', () => {
  it('resolves aliases and tasks, and loads only the versions something serves (not a bare challenger)', () => {
    const snapshot = buildRoutingSnapshot(rows(), context());
    assert.equal(snapshot.models.get('btc-1h')?.champion?.version, 1);
    assert.equal(snapshot.models.get('eth-1h')?.task, 'regression');
    assert.deepEqual(snapshot.versions.map((v) => v.versionId).sort(), ['10', '20']);
    assert.deepEqual(snapshot.problems, []);
  });

  it('lays arms out control first, then by name, whatever order the rows come in', () => {
    const snapshot = buildRoutingSnapshot(
      rows({
        experiments: [experiment('e1', '1')],
        variants: [
          variant('e1', 'zeta', '12', 0.25),
          variant('e1', 'alpha', '11', 0.25),
          variant('e1', 'control', '10', 0.5, true),
        ],
      }),
      context(),
    );
    const route = snapshot.models.get('btc-1h')!.experiment!;
    assert.deepEqual(
      route.arms.map((a) => a.variant),
      ['control', 'alpha', 'zeta'],
    );
    assert.deepEqual(route.assigner.weights, [0.5, 0.25, 0.25]);
    assert.ok(route.choose('unit-1', createRng(1)) !== null);
  });

  it('leaves out, and reports, experiments it cannot serve; the model keeps its champion', () => {
    const snapshot = buildRoutingSnapshot(
      rows({
        experiments: [experiment('bad-weights', '1'), experiment('no-slice', '2', { layer: 'execution' })],
        variants: [
          variant('bad-weights', 'control', '10', 0.5, true),
          variant('bad-weights', 't', '11', 0.4),
          variant('no-slice', 'control', '20', 1, true),
        ],
      }),
      context(),
    );
    assert.equal(snapshot.models.get('btc-1h')?.experiment, null);
    assert.equal(snapshot.models.get('btc-1h')?.champion?.version, 1);
    assert.deepEqual(
      snapshot.problems.map((p) => [p.experimentId, p.message]),
      [
        ['bad-weights', 'weights: must sum to 1, got 0.9'],
        ['no-slice', 'experiment is in layer "execution" but policy.routing.layerSlice is not set'],
      ],
    );
  });

  it('refuses a layer slice that overlaps an earlier experiment’s', () => {
    const slice = (start: number, end: number) => ({ routing: { layerSlice: { start, end } } });
    const snapshot = buildRoutingSnapshot(
      rows({
        experiments: [
          experiment('first', '1', { layer: 'L', policy: slice(0, 6000) }),
          experiment('second', '2', { layer: 'L', policy: slice(5000, 10000) }),
        ],
        variants: [variant('first', 'control', '10', 1, true), variant('second', 'control', '20', 1, true)],
      }),
      context(),
    );
    assert.ok(snapshot.models.get('btc-1h')?.experiment !== null);
    assert.equal(snapshot.models.get('eth-1h')?.experiment, null);
    assert.match(snapshot.problems[0]!.message, /overlaps \[0, 6000\)/);
  });

  it('reports a model whose feature schema is unusable instead of failing the whole configuration', () => {
    const snapshot = buildRoutingSnapshot(
      rows({
        models: [
          ...rows().models,
          {
            modelId: '3',
            name: 'broken',
            predictionTarget: 'prob_up',
            featureSchema: { version: 1, names: ['a', 'a'] },
          },
        ],
      }),
      context(),
    );
    assert.equal(snapshot.models.has('broken'), false);
    assert.equal(snapshot.models.size, 2);
    assert.deepEqual(
      snapshot.problems.map((p) => [p.kind, p.message]),
      [['model_misconfigured', 'feature_schema.names has duplicates']],
    );
  });
});
