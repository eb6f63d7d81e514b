import { compareComplement } from './exact-decimal';
import type { Strategy } from './strategy-config';

/**
 * Direction of a proposed trade.
 */
export type TradeSide = 'BUY' | 'SELL';

/**
 * Thrown when a prediction value cannot be read under a strategy's interpretation (a probability
 * outside [0, 1], a non-finite number); the request is wrong, not the strategy.
 *
 * ### Examples
 * ```ts
 * declare const probUpStrategy: Strategy;
 * signalSide(probUpStrategy, 1.2); // throws InvalidPredictionError 'prediction: 1.2 is not a probability in [0, 1] (prob_up)'
 * ```
 */
export class InvalidPredictionError extends Error {
  override readonly name = 'InvalidPredictionError';
}

/**
 * The trade side a prediction implies under a strategy's interpretation (the seed's legacy
 * semantics, gal-friday-original.md §5.5), or null for no signal:
 *
 * - `prob_up` (p = P(up)): BUY if p ≥ buyThreshold, else SELL if p < sellThreshold (strict), else none;
 * - `prob_down` (q = P(down)): BUY if 1 − q ≥ probabilityThreshold, SELL if q ≥ probabilityThreshold
 *   (compared in exact decimal, as the seed did);
 * - `price_change_pct` (v): BUY if v ≥ buyThresholdPct, else SELL if v ≤ sellThresholdPct, else none.
 *
 * ### Examples
 * ```ts
 * declare const probUp: Strategy;
 * declare const probDown: Strategy;
 * // buy 0.65 / sell 0.35
 * signalSide(probUp, 0.65); // 'BUY'
 * signalSide(probUp, 0.35); // null (SELL needs p < 0.35)
 * signalSide(probUp, 0.34); // 'SELL'
 * // probabilityThreshold 0.65
 * signalSide(probDown, 0.35); // 'BUY'
 * signalSide(probDown, 0.65); // 'SELL'
 * ```
 */
export function signalSide(strategy: Strategy, value: number): TradeSide | null {
  if (!Number.isFinite(value))
    throw new InvalidPredictionError(`prediction: ${value} is not a finite number`);
  switch (strategy.interpretation) {
    case 'prob_up':
      assertProbability(value, 'prob_up');
      if (value >= strategy.buyThreshold) return 'BUY';
      if (value < strategy.sellThreshold) return 'SELL';
      return null;
    case 'prob_down':
      assertProbability(value, 'prob_down');
      // probabilityThreshold > 0.5 (validated) makes the two branches exclusive.
      if (compareComplement(value, strategy.probabilityThreshold) >= 0) return 'BUY';
      if (value >= strategy.probabilityThreshold) return 'SELL';
      return null;
    case 'price_change_pct':
      if (value >= strategy.buyThresholdPct) return 'BUY';
      if (value <= strategy.sellThresholdPct) return 'SELL';
      return null;
  }
}

function assertProbability(value: number, interpretation: string): void {
  if (!(value >= 0 && value <= 1)) {
    throw new InvalidPredictionError(
      `prediction: ${value} is not a probability in [0, 1] (${interpretation})`,
    );
  }
}
