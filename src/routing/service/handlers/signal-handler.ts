import type { SignalRequest } from '../api/request-schemas';
import { RouterError } from '../errors/router-error';
import type { Reply } from '../http/route-definition';
import type { RoutingContext } from '../routing-context';
import { proposeTradeSignal } from '../signal/propose-trade-signal';
import { InvalidPredictionError } from '../signal/signal-side';
import { resolveStrategy } from './resolve-strategy';

/**
 * `POST /v1/signal`: runs a strategy on a prediction made elsewhere (the StrategyArbitrator as a
 * service). Pure: nothing is stored.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * await createSignalHandler(context)({ prediction: 0.7, strategy: { id: 'momo', price: 0.5 } });
 * // { status: 200, body: { signal: { status: 'proposed', proposal: { side: 'BUY', stopLoss: 0.49, takeProfit: 0.52, … } } } }
 * ```
 */
export function createSignalHandler(context: RoutingContext): (body: SignalRequest) => Reply {
  return (body) => {
    const strategy = resolveStrategy(context, body.strategy.id, 'strategy.id');
    if (body.interpretation !== undefined && body.interpretation !== strategy.interpretation) {
      throw new RouterError(
        'ROUTER_ERR_STRATEGY_MISMATCH',
        `strategy "${strategy.id}" interprets ${strategy.interpretation}, the prediction is ${body.interpretation}`,
        { field: 'interpretation' },
      );
    }
    try {
      const signal = proposeTradeSignal(strategy, {
        prediction: body.prediction,
        price: body.strategy.price,
        bid: body.strategy.bid,
        ask: body.strategy.ask,
        features: body.strategy.features ?? {},
        tradingPair: body.strategy.tradingPair,
        predictionId: body.predictionId,
      });
      context.metrics.signals
        .labels(strategy.id, signal.status === 'proposed' ? signal.proposal.side : 'none')
        .inc();
      return { status: 200, body: { signal } };
    } catch (error) {
      if (error instanceof InvalidPredictionError) {
        throw new RouterError('ROUTER_ERR_INVALID_PREDICTION', error.message, { field: 'prediction' });
      }
      throw error;
    }
  };
}
