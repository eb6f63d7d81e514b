import { FeatureSchemaError } from '../../../ml/errors';
import { featureVectorFromInput } from '../../../ml/features/feature-schema';
import type { PredictRequest } from '../api/request-schemas';
import type { ExperimentArm, ModelRoute, VersionRef } from '../config/routing-snapshot';
import { RouterError } from '../errors/router-error';
import type { Reply } from '../http/route-definition';
import { uuidv7 } from '../ids/uuid-v7';
import { BrokenVersionError, VersionRunFailedError } from '../inference/model-session-cache';
import type { RoutingContext } from '../routing-context';
import { proposeTradeSignal, type SignalDecision } from '../signal/propose-trade-signal';
import { InvalidPredictionError } from '../signal/signal-side';
import { resolveModel } from './resolve-model';
import { resolveStrategy } from './resolve-strategy';
import { scoreVersion } from './score-version';
import { thenMaybe } from '../../../util/maybe-async';

/**
 * `POST /v1/predict`: route the unit (experiment arm or champion), score the routed version with
 * onnxruntime, log prediction and assignment to the batched logs, optionally run a strategy on the
 * output, and, after answering, score in shadow the other arm's version of a two-arm experiment
 * (linked to the served prediction by `served_prediction_id`) and the `shadow` alias's version if one
 * is set. A broken routed version is
 * replaced by the champion (flagged in `fallback`); the prediction is then attributed to the
 * champion, not to the experiment arm.
 *
 * ### Examples
 * ```ts
 * declare const features: Record<string, number>;
 * declare const context: RoutingContext;
 * const handle = createPredictHandler(context);
 * await handle({ model: 'btc-1h', unitId: 'acct-7', features }); // features: { ret_1: 0.01, … } (every feature of the schema)
 * // { status: 200, body: { predictionId: '0190…', model: 'btc-1h', version: 3, experimentId: '…', variant: 'treatment', output: 0.61 } }
 * ```
 */
export function createPredictHandler(
  context: RoutingContext,
): (body: PredictRequest) => Reply | Promise<Reply> {
  return (body) => {
    const model = resolveModel(context, body.model);
    const strategy =
      body.strategy === undefined ? undefined : resolveStrategy(context, body.strategy.id, 'strategy.id');
    if (strategy !== undefined && strategy.interpretation !== model.target) {
      throw new RouterError(
        'ROUTER_ERR_STRATEGY_MISMATCH',
        `strategy "${strategy.id}" interprets ${strategy.interpretation}, model "${model.name}" predicts ${model.target}`,
        { field: 'strategy.id' },
      );
    }
    let vector: number[];
    try {
      vector = featureVectorFromInput(model.schema, body.features);
    } catch (error) {
      if (error instanceof FeatureSchemaError) {
        throw new RouterError('ROUTER_ERR_FEATURE_SCHEMA', error.message, {
          field: 'features',
          details: {
            schemaVersion: error.schemaVersion,
            missing: error.missing,
            extra: error.extra,
            nonFinite: error.nonFinite,
          },
        });
      }
      throw error;
    }
    const outOfRange = outOfFloat32Range(model.schema.names, vector);
    if (outOfRange.length > 0) {
      throw new RouterError(
        'ROUTER_ERR_FEATURE_RANGE',
        `features outside the float32 range (|x| ≤ 3.4028234663852886e38): ${outOfRange.join(', ')}`,
        { field: `features.${outOfRange[0]}`, details: { outOfRange } },
      );
    }

    const now = Date.now();
    const experiment = model.experiment;
    const arm: ExperimentArm | null =
      experiment === null ? null : experiment.choose(body.unitId, context.rng);
    const routed: VersionRef | null = arm !== null ? arm.version : model.champion;
    if (routed === null) {
      throw new RouterError(
        'ROUTER_ERR_NO_CHAMPION',
        `model "${model.name}" has no champion and this unit is in no experiment arm`,
        {
          field: 'model',
        },
      );
    }
    // Synchronous when the session is loaded (the usual case): the reply is written in the same
    // turn of the event loop as the request was read, so its latency is its own.
    const request: RoutedRequest = { body, model, experiment, arm, routed, strategy, vector, now };
    return thenMaybe(
      () => scoreWithFallback(context, model, routed, vector),
      (scored) => reply(context, request, scored),
    );
  };
}

// Models compute in float32: a finite double beyond its range becomes ±Infinity in the input tensor
// and NaN in the output, so it is refused here, naming the features.
function outOfFloat32Range(names: readonly string[], vector: readonly number[]): string[] {
  let out: string[] | undefined;
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(Math.fround(vector[i]!))) (out ??= []).push(names[i] ?? String(i));
  }
  return out ?? [];
}

type Scored = { served: VersionRef; output: number; fallback?: { fromVersion: number; reason: string } };

/** A validated predict request with its routing decision, waiting for its score. */
interface RoutedRequest {
  readonly body: PredictRequest;
  readonly model: ModelRoute;
  readonly experiment: ModelRoute['experiment'];
  readonly arm: ExperimentArm | null;
  readonly routed: VersionRef;
  readonly strategy: ReturnType<typeof resolveStrategy> | undefined;
  readonly vector: number[];
  readonly now: number;
}

// Logs the prediction (and assignment), runs the strategy, schedules the shadow score and builds
// the response.
function reply(context: RoutingContext, request: RoutedRequest, { served, output, fallback }: Scored): Reply {
  const { body, model, experiment, arm, routed, strategy, vector, now } = request;
  const predictionId = uuidv7(now);
  const attributed = arm !== null && served === routed;
  context.predictionLog.append(predictionId, now, {
    predictionId,
    modelId: model.modelId,
    versionId: served.versionId,
    experimentId: attributed ? experiment!.experimentId : null,
    variant: attributed ? arm.variant : null,
    unitId: body.unitId,
    features: vector,
    output,
    isShadow: false,
    servedPredictionId: null,
    createdAtMs: now,
  });
  if (arm !== null) {
    // The assignment shares the prediction's id: SRM checks count assignments, outcomes join either.
    context.assignmentLog.append(predictionId, now, {
      assignmentId: predictionId,
      experimentId: experiment!.experimentId,
      variant: arm.variant,
      unitId: body.unitId,
      assignedAtMs: now,
    });
    arm.assignments.inc();
  }
  if (attributed) arm.predictions.inc();
  else model.championPredictions.inc();

  let signal: SignalDecision | undefined;
  if (strategy !== undefined && body.strategy !== undefined) {
    const named = Array.isArray(body.features)
      ? Object.fromEntries(model.schema.names.map((n, i) => [n, vector[i]!]))
      : body.features;
    try {
      signal = proposeTradeSignal(strategy, {
        prediction: output,
        price: body.strategy.price,
        bid: body.strategy.bid,
        ask: body.strategy.ask,
        features: body.strategy.features === undefined ? named : { ...named, ...body.strategy.features },
        tradingPair: body.strategy.tradingPair,
        predictionId,
      });
    } catch (error) {
      // The model's own output outside [0, 1] for a probability target is the model's fault.
      if (error instanceof InvalidPredictionError) signal = { status: 'none', reason: error.message };
      else throw error;
    }
    context.metrics.signals
      .labels(strategy.id, signal.status === 'proposed' ? signal.proposal.side : 'none')
      .inc();
  }

  // In a challenger experiment (two arms) the other arm's version is scored on the same features, so
  // every served bar carries both versions' scores for the paired comparison. The `shadow` alias is
  // scored too unless it is one of the two. Both run after the reply is written.
  const twin = attributed ? otherArm(experiment!, arm) : null;
  const shadow = model.shadow;
  const aliasShadow =
    shadow !== null && shadow.versionId !== served.versionId && shadow.versionId !== twin?.version.versionId
      ? shadow
      : null;
  if (twin !== null || aliasShadow !== null) {
    setImmediate(() => {
      if (twin !== null)
        void scoreShadow(context, model, twin.version, vector, body.unitId, predictionId, {
          experimentId: experiment!.experimentId,
          variant: twin.variant,
        });
      if (aliasShadow !== null)
        void scoreShadow(context, model, aliasShadow, vector, body.unitId, predictionId, null);
    });
  }

  return {
    status: 200,
    body: {
      predictionId,
      model: model.name,
      version: served.version,
      ...(attributed ? { experimentId: experiment!.experimentId, variant: arm.variant } : {}),
      output,
      ...(body.asOf !== undefined ? { asOf: body.asOf } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(fallback !== undefined ? { fallback } : {}),
    },
  };
}

function scoreWithFallback(
  context: RoutingContext,
  model: ModelRoute,
  routed: VersionRef,
  vector: readonly number[],
): Scored | Promise<Scored> {
  return thenMaybe(
    () => scoreVersion(context, routed, vector),
    (output) => ({ served: routed, output }),
    (error) => fallBack(context, model, routed, vector, error),
  );
}

// A broken routed version is replaced by the champion; anything else is the request's own error.
function fallBack(
  context: RoutingContext,
  model: ModelRoute,
  routed: VersionRef,
  vector: readonly number[],
  error: unknown,
): Scored | Promise<Scored> {
  if (!(error instanceof BrokenVersionError)) throw error;
  const champion = model.champion;
  if (champion === null || champion.versionId === routed.versionId) {
    throw new RouterError(
      'ROUTER_ERR_MODEL_UNAVAILABLE',
      `model "${model.name}" version ${routed.version} cannot be served and there is no other champion to fall back to`,
    );
  }
  model.fallbacks.inc();
  const fallback = {
    fromVersion: routed.version,
    reason: error.transient
      ? 'artifact unavailable'
      : error instanceof VersionRunFailedError
        ? 'run failed'
        : 'version broken',
  };
  return thenMaybe(
    () => scoreVersion(context, champion, vector),
    (output) => ({ served: champion, output, fallback }),
    (second) => {
      if (second instanceof BrokenVersionError) {
        throw new RouterError(
          'ROUTER_ERR_MODEL_UNAVAILABLE',
          `model "${model.name}": version ${routed.version} and champion ${champion.version} cannot be served`,
        );
      }
      throw second;
    },
  );
}

// The arm whose version runs in shadow beside the served one: only in a two-arm (champion vs
// challenger) experiment, where "the other version" is unambiguous.
function otherArm(
  experiment: NonNullable<ModelRoute['experiment']>,
  served: ExperimentArm,
): ExperimentArm | null {
  const arms = experiment.arms;
  if (arms.length !== 2) return null;
  const other = arms[0] === served ? arms[1]! : arms[0]!;
  return other.version.versionId === served.version.versionId ? null : other;
}

// Shadow scores are recorded for paired comparison with the served prediction and never returned;
// a failing shadow only marks its own version broken (and alerts), it never affects the response.
// An experiment twin is attributed to its experiment and arm (still `is_shadow`, so counts of routed
// decisions skip it), which is how the paired comparison tells it from the `shadow` alias's score.
async function scoreShadow(
  context: RoutingContext,
  model: ModelRoute,
  shadow: VersionRef,
  vector: readonly number[],
  unitId: string,
  servedPredictionId: string,
  attribution: { experimentId: string; variant: string } | null,
): Promise<void> {
  try {
    const output = await scoreVersion(context, shadow, vector);
    const now = Date.now();
    const predictionId = uuidv7(now);
    context.predictionLog.append(predictionId, now, {
      predictionId,
      modelId: model.modelId,
      versionId: shadow.versionId,
      experimentId: attribution?.experimentId ?? null,
      variant: attribution?.variant ?? null,
      unitId,
      features: vector,
      output,
      isShadow: true,
      servedPredictionId,
      createdAtMs: now,
    });
    model.shadowPredictions.inc();
  } catch (error) {
    // A broken shadow is alerted by the cache, and a non-finite shadow output is that input's.
    if (!(error instanceof BrokenVersionError) && !(error instanceof RouterError))
      context.logger.error('shadow scoring failed', { model: model.name, error });
  }
}
