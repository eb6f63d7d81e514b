import type { ModelRoute } from '../config/routing-snapshot';
import { RouterError } from '../errors/router-error';
import type { RoutingContext } from '../routing-context';

/**
 * The live route of a model, or the error a client should see: ROUTER_ERR_NOT_READY before the
 * first configuration load, ROUTER_ERR_UNKNOWN_MODEL for a name the configuration lacks.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * resolveModel(context, 'btc-1h').champion?.version; // 3
 * ```
 */
export function resolveModel(context: RoutingContext, name: string): ModelRoute {
  const snapshot = context.store.snapshot;
  if (snapshot === null)
    throw new RouterError(
      'ROUTER_ERR_NOT_READY',
      'the router has not loaded its configuration yet; retry shortly',
    );
  const model = snapshot.models.get(name);
  if (model === undefined)
    throw new RouterError('ROUTER_ERR_UNKNOWN_MODEL', `model "${name}" is not registered`, {
      field: 'model',
    });
  return model;
}
