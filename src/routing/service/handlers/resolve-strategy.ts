import { RouterError } from '../errors/router-error';
import type { RoutingContext } from '../routing-context';
import type { Strategy } from '../signal/strategy-config';

/**
 * The configured strategy with this id, or ROUTER_ERR_UNKNOWN_STRATEGY naming `field`.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * resolveStrategy(context, 'momo', 'strategy.id'); // Strategy
 * resolveStrategy(context, 'nope', 'strategy.id'); // throws RouterError 404 ROUTER_ERR_UNKNOWN_STRATEGY
 * ```
 */
export function resolveStrategy(context: RoutingContext, id: string, field: string): Strategy {
  const strategy = context.strategies().get(id);
  if (strategy === undefined) {
    const known = [...context.strategies().keys()];
    throw new RouterError(
      'ROUTER_ERR_UNKNOWN_STRATEGY',
      `no strategy "${id}" (configured: ${known.length > 0 ? known.join(', ') : 'none; add <dataDir>/strategies.json'})`,
      { field },
    );
  }
  return strategy;
}
