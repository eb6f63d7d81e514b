import type {
  RoutingConfigRows,
  RoutingExperimentRow,
} from '../../../db/repositories/routing-config.repository';
import type { AllocationStrategy } from '../../../db/tables/experiments.table';
import type { PredictionTarget } from '../../../db/tables/registry.table';
import type { FeatureSchema } from '../../../ml/features/feature-schema';
import {
  compileAssigner,
  compileRandomPicker,
  createLayer,
  type Assigner,
  type LayerSlice,
  type RandomPicker,
} from '../../allocation';
import type { Rng } from '../../../stats/random';
import type { VersionLoadSpec } from '../inference/model-session-cache';
import type { CounterChild } from '../observability/metrics-registry';
import type { RouterMetrics } from '../observability/router-metrics';
import { parseRoutingPolicy, type RoutingPolicy } from './routing-policy';

// The router's whole configuration as one immutable-by-convention object graph, rebuilt from the
// database on every change and swapped in with one assignment. Everything a request needs is
// pre-resolved here: version load specs, metric children, compiled assigners. The hot path does
// map lookups and a hash, never a query.

/**
 * A model version as the router serves it.
 */
export interface VersionRef {
  readonly versionId: string;
  readonly version: number;
  readonly spec: VersionLoadSpec;
}

/**
 * One arm of a served experiment.
 */
export interface ExperimentArm {
  readonly variant: string;
  readonly version: VersionRef;
  readonly isControl: boolean;
  readonly configuredWeight: number;
  readonly predictions: CounterChild;
  readonly assignments: CounterChild;
}

/**
 * A running experiment compiled for serving. `assigner` is replaced when adaptive weights change.
 *
 * ### Examples
 * ```ts
 * declare const experiment: ExperimentRoute;
 * declare const rng: Rng;
 * const arm = experiment.choose('acct-1', rng); // ExperimentArm, or null outside coverage/layer
 * ```
 */
export interface ExperimentRoute {
  readonly experimentId: string;
  readonly name: string;
  readonly strategy: AllocationStrategy;
  readonly salt: string;
  readonly coverage: number;
  readonly layer: LayerSlice | undefined;
  readonly primaryMetric: 'accuracy' | 'return';
  readonly policy: RoutingPolicy;
  /** Fixed order: control first, then by variant name. The hash range layout follows it. */
  readonly arms: readonly ExperimentArm[];
  readonly configuredWeights: readonly number[];
  /** Current hash assigner (configured or adaptive weights). */
  assigner: Assigner;
  /** Epoch of the adaptive weights in `assigner` (null: configured weights). */
  weightsEpoch: number | null;
  readonly picker: RandomPicker | null;
  choose(unitId: string, rng: Rng): ExperimentArm | null;
}

/**
 * Everything the router knows about one model.
 *
 * ### Examples
 * ```ts
 * declare const snapshot: RoutingSnapshot;
 * snapshot.models.get('btc-1h')?.champion?.version; // 3
 * ```
 */
export interface ModelRoute {
  readonly modelId: string;
  readonly name: string;
  readonly target: PredictionTarget;
  readonly task: 'classification' | 'regression';
  readonly schema: FeatureSchema;
  readonly champion: VersionRef | null;
  readonly challenger: VersionRef | null;
  readonly shadow: VersionRef | null;
  readonly experiment: ExperimentRoute | null;
  readonly championPredictions: CounterChild;
  readonly shadowPredictions: CounterChild;
  readonly fallbacks: CounterChild;
}

/**
 * A configuration problem found while building a snapshot; the affected experiment or model is
 * not served (the champion is) until it is fixed, and an alert is raised.
 *
 * ### Examples
 * ```ts
 * const p: SnapshotProblem = { kind: 'experiment_misconfigured', modelId: '1', experimentId: 'e1', message: 'weights: must sum to 1, got 0.9' };
 * ```
 */
export interface SnapshotProblem {
  readonly kind: 'experiment_misconfigured' | 'model_misconfigured';
  readonly modelId: string;
  readonly experimentId: string | null;
  readonly message: string;
}

/**
 * One loaded configuration.
 */
export interface RoutingSnapshot {
  readonly loadedAt: number;
  readonly models: ReadonlyMap<string, ModelRoute>;
  /** Every version some alias or arm points at (the ONNX sessions to keep). */
  readonly versions: readonly VersionLoadSpec[];
  readonly problems: readonly SnapshotProblem[];
}

/**
 * What {@link buildRoutingSnapshot} needs besides the rows.
 *
 * ### Examples
 * ```ts
 * declare const adaptive: ReadonlyMap<string, { epoch: number; weights: readonly number[] }>;
 * declare const rows: RoutingConfigRows;
 * declare const metrics: RouterMetrics;
 * buildRoutingSnapshot(rows, { metrics, weightsFor: (id) => adaptive.get(id) ?? null, now: Date.now() });
 * ```
 */
export interface SnapshotContext {
  readonly metrics: RouterMetrics;
  /** Adaptive weights already computed for an experiment (kept across reloads). */
  weightsFor(experimentId: string): { epoch: number; weights: readonly number[] } | null;
  readonly now: number;
}

function parseSchema(raw: unknown): FeatureSchema {
  const value = raw as { version?: unknown; names?: unknown } | null;
  const names = value?.names;
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    !names.every((n) => typeof n === 'string' && n.length > 0)
  ) {
    throw new Error('feature_schema.names must be a non-empty array of names');
  }
  if (new Set(names).size !== names.length) throw new Error('feature_schema.names has duplicates');
  return { version: String(value?.version ?? 'unversioned'), names: names as string[] };
}

/** Variant order of the hash range layout: control first, then by name (stable across routers). */
function armOrder(
  a: { variant: string; isControl: boolean },
  b: { variant: string; isControl: boolean },
): number {
  if (a.isControl !== b.isControl) return a.isControl ? -1 : 1;
  return a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0;
}

/**
 * Builds a snapshot from the configuration rows: parses feature schemas, resolves aliases, checks
 * layers (disjoint slices, in creation order) and compiles each running experiment's allocation.
 * A broken experiment or model is left out and reported in `problems`, never thrown, so one bad
 * row cannot take routing down for every model.
 *
 * ### Examples
 * ```ts
 * import { loadRoutingConfigRows } from '../../../db/repositories/routing-config.repository';
 * declare const context: SnapshotContext;
 * declare const db: import('kysely').Kysely<import('../../../db/database').Database>;
 * const snapshot = buildRoutingSnapshot(await loadRoutingConfigRows(db), context);
 * snapshot.models.get('btc-1h')?.experiment?.strategy; // 'hash'
 * ```
 */
export function buildRoutingSnapshot(rows: RoutingConfigRows, context: SnapshotContext): RoutingSnapshot {
  const { metrics } = context;
  const problems: SnapshotProblem[] = [];
  const versions = new Map<string, VersionLoadSpec>();
  const modelsById = new Map<
    string,
    {
      name: string;
      target: PredictionTarget;
      task: ModelRoute['task'];
      schema: FeatureSchema;
      rawSchema: VersionLoadSpec['schema'];
    }
  >();
  for (const m of rows.models) {
    try {
      const schema = parseSchema(m.featureSchema);
      modelsById.set(m.modelId, {
        name: m.name,
        target: m.predictionTarget,
        task: m.predictionTarget === 'price_change_pct' ? 'regression' : 'classification',
        schema,
        // The session check compares schema labels only when the registry stores one (a string).
        rawSchema: { version: (m.featureSchema as { version?: unknown }).version, names: schema.names },
      });
    } catch (error) {
      problems.push({
        kind: 'model_misconfigured',
        modelId: m.modelId,
        experimentId: null,
        message: (error as Error).message,
      });
    }
  }
  const ref = (modelId: string, versionId: string, version: number): VersionRef => {
    const model = modelsById.get(modelId)!;
    let spec = versions.get(versionId);
    if (spec === undefined) {
      spec = Object.freeze({
        versionId,
        modelId,
        modelName: model.name,
        version,
        schema: model.rawSchema,
        task: model.task,
      });
      versions.set(versionId, spec);
    }
    return Object.freeze({ versionId, version, spec });
  };

  const aliases = new Map<string, Partial<Record<'champion' | 'challenger' | 'shadow', VersionRef>>>();
  for (const a of rows.aliases) {
    if (!modelsById.has(a.modelId)) continue;
    const entry = aliases.get(a.modelId) ?? {};
    entry[a.alias] = ref(a.modelId, a.versionId, a.version);
    aliases.set(a.modelId, entry);
  }

  const experiments = new Map<string, ExperimentRoute>();
  const layerClaims = new Map<string, Array<{ experiment: string; start: number; end: number }>>();
  for (const e of rows.experiments) {
    if (!modelsById.has(e.modelId)) continue;
    try {
      const arms = rows.variants.filter((v) => v.experimentId === e.experimentId).sort(armOrder);
      if (arms.length === 0) throw new Error('experiment has no variants');
      const policy = parseRoutingPolicy(e.policy);
      let layer: LayerSlice | undefined;
      if (e.layer !== null) {
        if (policy.layerSlice === undefined)
          throw new Error(`experiment is in layer "${e.layer}" but policy.routing.layerSlice is not set`);
        const claims = [
          ...(layerClaims.get(e.layer) ?? []),
          { experiment: e.experimentId, ...policy.layerSlice },
        ];
        // createLayer checks the slices are whole buckets and disjoint from earlier experiments'.
        layer = createLayer({ salt: `layer:${e.layer}`, slices: claims }).sliceFor(e.experimentId);
        layerClaims.set(e.layer, claims);
      }
      experiments.set(
        e.modelId,
        compileExperiment(
          e,
          arms.map((v) => ({
            variant: v.variant,
            version: ref(e.modelId, v.versionId, v.version),
            isControl: v.isControl,
            configuredWeight: v.weight,
            predictions: metrics.predictions.labels(modelsById.get(e.modelId)!.name, v.variant),
            assignments: metrics.assignments.labels(modelsById.get(e.modelId)!.name, v.variant),
          })),
          policy,
          layer,
          context,
        ),
      );
    } catch (error) {
      problems.push({
        kind: 'experiment_misconfigured',
        modelId: e.modelId,
        experimentId: e.experimentId,
        message: (error as Error).message,
      });
    }
  }

  const models = new Map<string, ModelRoute>();
  for (const [modelId, m] of modelsById) {
    const a = aliases.get(modelId) ?? {};
    models.set(
      m.name,
      Object.freeze({
        modelId,
        name: m.name,
        target: m.target,
        task: m.task,
        schema: m.schema,
        champion: a.champion ?? null,
        challenger: a.challenger ?? null,
        shadow: a.shadow ?? null,
        experiment: experiments.get(modelId) ?? null,
        championPredictions: metrics.predictions.labels(m.name, 'champion'),
        shadowPredictions: metrics.shadowPredictions.labels(m.name),
        fallbacks: metrics.fallbacks.labels(m.name),
      }),
    );
  }
  // Versions held only by a challenger alias are not served; no need to load them.
  const served = new Set<string>();
  for (const m of models.values()) {
    if (m.champion) served.add(m.champion.versionId);
    if (m.shadow) served.add(m.shadow.versionId);
    for (const arm of m.experiment?.arms ?? []) served.add(arm.version.versionId);
  }
  return Object.freeze({
    loadedAt: context.now,
    models,
    versions: [...versions.values()].filter((v) => served.has(v.versionId)),
    problems,
  });
}

function compileExperiment(
  e: RoutingExperimentRow,
  arms: ExperimentArm[],
  policy: RoutingPolicy,
  layer: LayerSlice | undefined,
  context: SnapshotContext,
): ExperimentRoute {
  const variants = arms.map((a) => a.variant);
  const configuredWeights = arms.map((a) => a.configuredWeight);
  const base = { salt: e.salt, variants, coverage: e.coverage, ...(layer !== undefined ? { layer } : {}) };
  // Compiling the configured weights validates them even for adaptive experiments.
  let assigner = compileAssigner({ ...base, weights: configuredWeights });
  let weightsEpoch: number | null = null;
  const adaptive = e.allocationStrategy === 'thompson' || e.allocationStrategy === 'epsilon_greedy';
  const kept = adaptive ? context.weightsFor(e.experimentId) : null;
  if (kept !== null && kept.weights.length === variants.length) {
    assigner = compileAssigner({ ...base, weights: kept.weights });
    weightsEpoch = kept.epoch;
  }
  const picker =
    e.allocationStrategy === 'random' ? compileRandomPicker({ variants, weights: configuredWeights }) : null;
  const armByVariant = new Map(arms.map((a) => [a.variant, a]));
  const route: ExperimentRoute = {
    experimentId: e.experimentId,
    name: e.name,
    strategy: e.allocationStrategy,
    salt: e.salt,
    coverage: e.coverage,
    layer,
    primaryMetric: e.primaryMetric,
    policy,
    arms,
    configuredWeights,
    assigner,
    weightsEpoch,
    picker,
    choose(unitId, rng) {
      const variant = route.assigner.assign(unitId);
      if (variant === null) return null;
      // random: the hash decides only who is in the experiment (coverage, layer); the arm is a
      // fresh draw per request, so a unit is deliberately not sticky.
      return armByVariant.get(picker === null ? variant : picker.pick(rng)) ?? null;
    },
  };
  return route;
}
