import type { z } from 'zod';
import type { adminConfigResponseSchema } from '../api/response-schemas';
import { RouterError } from '../errors/router-error';
import type { Reply } from '../http/route-definition';
import type { RoutingContext } from '../routing-context';
import { StrategyConfigError } from '../signal/strategy-config';

type AdminConfig = z.output<typeof adminConfigResponseSchema>;

/**
 * What the router is serving right now: aliases, experiments with their live weights, ONNX
 * sessions, configuration problems and strategies (`GET /admin/config`).
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * describeConfig(context).models[0]?.experiment?.arms; // [{ variant: 'control', version: 3, weight: 0.5, … }]
 * ```
 */
export function describeConfig(context: RoutingContext): AdminConfig {
  const snapshot = context.store.snapshot;
  return {
    loadedAt: snapshot === null ? null : new Date(snapshot.loadedAt).toISOString(),
    models: [...(snapshot?.models.values() ?? [])].map((m) => {
      const e = m.experiment;
      const weights = e === null ? [] : e.assigner.weights;
      const adaptive = e === null ? null : context.reweighter.describe(e.experimentId);
      return {
        name: m.name,
        target: m.target,
        champion: m.champion?.version ?? null,
        challenger: m.challenger?.version ?? null,
        shadow: m.shadow?.version ?? null,
        experiment:
          e === null
            ? null
            : {
                experimentId: e.experimentId,
                name: e.name,
                strategy: e.strategy,
                coverage: e.coverage,
                arms: e.arms.map((a, i) => ({
                  variant: a.variant,
                  version: a.version.version,
                  isControl: a.isControl,
                  configuredWeight: a.configuredWeight,
                  weight: weights[i] ?? a.configuredWeight,
                })),
                weightsEpoch: e.weightsEpoch,
                ...(adaptive !== null ? { weightsReason: adaptive.reason } : {}),
              },
      };
    }),
    sessions: context.sessions.describe(),
    problems: [...(snapshot?.problems ?? [])],
    strategies: [...context.strategies().keys()],
  };
}

/**
 * `POST /admin/reload`: reloads the configuration from PostgreSQL and the strategies file, and
 * recomputes adaptive weights, then answers like `GET /admin/config`. An invalid strategies file is
 * refused (400, the previous strategies stay active).
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * await createReloadHandler(context)(); // { status: 200, body: { loadedAt: '…', models: [...], … } }
 * ```
 */
export function createReloadHandler(context: RoutingContext): () => Promise<Reply> {
  return async () => {
    try {
      await context.reloadStrategies();
    } catch (error) {
      if (error instanceof StrategyConfigError) {
        throw new RouterError('ROUTER_ERR_VALIDATION', error.message, {
          field: 'strategies',
          details: error.issues,
        });
      }
      throw error;
    }
    try {
      await context.store.reload('admin');
    } catch {
      throw new RouterError(
        'ROUTER_ERR_STORAGE_UNAVAILABLE',
        'PostgreSQL unavailable; the previous configuration stays in use',
      );
    }
    await context.reweighter.refreshAll();
    return { status: 200, body: describeConfig(context) };
  };
}

/**
 * `POST /admin/flush`: commits the buffered prediction and assignment logs now (before a
 * maintenance stop, or in tests).
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * await createFlushHandler(context)(); // { status: 200, body: { flushed: true, bufferedRows: { predictions: 0, assignments: 0 } } }
 * ```
 */
export function createFlushHandler(context: RoutingContext): () => Promise<Reply> {
  return async () => {
    try {
      await Promise.all([context.predictionLog.flush(), context.assignmentLog.flush()]);
    } catch {
      throw new RouterError(
        'ROUTER_ERR_STORAGE_UNAVAILABLE',
        'PostgreSQL unavailable; the rows stay buffered and are retried',
      );
    }
    return {
      status: 200,
      body: {
        flushed: true,
        bufferedRows: { predictions: context.predictionLog.size, assignments: context.assignmentLog.size },
      },
    };
  };
}
