import type { Kysely } from 'kysely';
import type { Database } from '../database';
import type { AllocationStrategy, PrimaryMetric } from '../tables/experiments.table';
import type { ModelAlias, PredictionTarget } from '../tables/registry.table';

/**
 * Everything a router caches about one model: identity, target, feature schema and aliases.
 *
 * ### Examples
 * ```ts
 * const row: RoutingModelRow = { modelId: '1', name: 'btc-1h', predictionTarget: 'prob_up', featureSchema: { version: 1, names: ['ret_1'] } };
 * ```
 */
export interface RoutingModelRow {
  modelId: string;
  name: string;
  predictionTarget: PredictionTarget;
  featureSchema: unknown;
}

/**
 * One alias of a model and the version it points at.
 *
 * ### Examples
 * ```ts
 * const alias: RoutingAliasRow = { modelId: '1', alias: 'champion', versionId: '7', version: 3 };
 * ```
 */
export interface RoutingAliasRow {
  modelId: string;
  alias: ModelAlias;
  versionId: string;
  version: number;
}

/**
 * A running experiment as the router serves it.
 *
 * ### Examples
 * ```ts
 * const exp: RoutingExperimentRow = { experimentId: 'a1…', modelId: '1', name: 'lr-vs-gbdt', allocationStrategy: 'hash', salt: 's', coverage: 1, layer: null, primaryMetric: 'accuracy', policy: {} };
 * ```
 */
export interface RoutingExperimentRow {
  experimentId: string;
  modelId: string;
  name: string;
  allocationStrategy: AllocationStrategy;
  salt: string;
  coverage: number;
  layer: string | null;
  primaryMetric: PrimaryMetric;
  policy: unknown;
}

/**
 * One arm of a running experiment.
 *
 * ### Examples
 * ```ts
 * const arm: RoutingVariantRow = { experimentId: 'a1…', variant: 'control', versionId: '7', version: 3, weight: 0.5, isControl: true };
 * ```
 */
export interface RoutingVariantRow {
  experimentId: string;
  variant: string;
  versionId: string;
  version: number;
  weight: number;
  isControl: boolean;
}

/**
 * The router's whole configuration, read in one snapshot.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * const rows = await loadRoutingConfigRows(db); // { models: [...], aliases: [...], experiments: [...], variants: [...] }
 * ```
 */
export interface RoutingConfigRows {
  models: RoutingModelRow[];
  aliases: RoutingAliasRow[];
  experiments: RoutingExperimentRow[];
  variants: RoutingVariantRow[];
}

/**
 * Reads models, aliases, running experiments and their variants in one REPEATABLE READ read-only
 * transaction, so a workflow that moves an alias and starts an experiment in one transaction is
 * seen entirely or not at all. Four small queries; no ONNX bytes.
 */
export async function loadRoutingConfigRows(db: Kysely<Database>): Promise<RoutingConfigRows> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const models = await trx
        .selectFrom('models')
        .select([
          'model_id as modelId',
          'name',
          'prediction_target as predictionTarget',
          'feature_schema as featureSchema',
        ])
        .orderBy('model_id')
        .execute();
      const aliases = await trx
        .selectFrom('model_aliases as a')
        .innerJoin('model_versions as v', 'v.version_id', 'a.version_id')
        .select(['a.model_id as modelId', 'a.alias', 'a.version_id as versionId', 'v.version'])
        .execute();
      const experiments = await trx
        .selectFrom('experiments')
        .select([
          'experiment_id as experimentId',
          'model_id as modelId',
          'name',
          'allocation_strategy as allocationStrategy',
          'salt',
          'coverage',
          'layer',
          'primary_metric as primaryMetric',
          'policy',
        ])
        .where('status', '=', 'running')
        .orderBy('created_at')
        .execute();
      const variants =
        experiments.length === 0
          ? []
          : await trx
              .selectFrom('experiment_variants as ev')
              .innerJoin('model_versions as v', 'v.version_id', 'ev.version_id')
              .select([
                'ev.experiment_id as experimentId',
                'ev.variant',
                'ev.version_id as versionId',
                'v.version',
                'ev.weight',
                'ev.is_control as isControl',
              ])
              .where(
                'ev.experiment_id',
                'in',
                experiments.map((e) => e.experimentId),
              )
              .execute();
      return { models, aliases, experiments, variants };
    });
}
