import { uuidv7 } from '../ids/uuid-v7';
import { checkConfirmationRules } from './confirmation-rules';
import { limitEntryPrice } from './entry-price';
import { signalSide, type TradeSide } from './signal-side';
import { stopLossTakeProfit } from './stop-loss-take-profit';
import type { Strategy } from './strategy-config';

/**
 * What the arbitrator needs besides the strategy: the prediction, the market and the features the
 * confirmation rules read.
 *
 * ### Examples
 * ```ts
 * const input: TradeSignalInput = { prediction: 0.7, price: 0.5, bid: 0.499, ask: 0.501, features: { rsi_14: 25 } };
 * ```
 */
export interface TradeSignalInput {
  readonly prediction: number;
  /** Last traded price (P). */
  readonly price: number;
  readonly bid?: number | undefined;
  readonly ask?: number | undefined;
  readonly features: Readonly<Record<string, number>>;
  readonly tradingPair?: string | undefined;
  /** Id of the prediction that triggered the proposal. */
  readonly predictionId?: string | undefined;
}

/**
 * A validated trade-signal proposal (the seed's TradeSignalProposedEvent, with its factory's
 * validation actually applied).
 *
 * ### Examples
 * ```ts
 * const p: TradeSignalProposal = {
 *   signalId: '0190…', strategyId: 'momo', side: 'BUY', entryType: 'MARKET', entryPrice: null,
 *   referencePrice: 0.5, stopLoss: 0.49, takeProfit: 0.52, prediction: 0.7, interpretation: 'prob_up',
 * };
 * ```
 */
export interface TradeSignalProposal {
  readonly signalId: string;
  readonly strategyId: string;
  readonly side: TradeSide;
  readonly entryType: 'MARKET' | 'LIMIT';
  /** LIMIT price; null for MARKET orders. */
  readonly entryPrice: number | null;
  /** The price stop-loss and take-profit are measured from: the LIMIT price, or P for MARKET. */
  readonly referencePrice: number;
  readonly stopLoss: number;
  readonly takeProfit: number;
  readonly prediction: number;
  readonly interpretation: Strategy['interpretation'];
  readonly tradingPair?: string;
  readonly predictionId?: string;
}

/**
 * Either a proposal or the reason there is none.
 *
 * ### Examples
 * ```ts
 * const none: SignalDecision = { status: 'none', reason: 'prediction 0.5 is between the thresholds' };
 * ```
 */
export type SignalDecision =
  | { readonly status: 'proposed'; readonly proposal: TradeSignalProposal }
  | { readonly status: 'none'; readonly reason: string };

/**
 * Runs a strategy on a prediction (§5.3 order, coherent form): side from the interpretation →
 * confirmation rules → entry price (MARKET: none; LIMIT: inside the spread) → stop-loss and
 * take-profit measured from the entry (the seed measured them from the last price even for LIMIT
 * orders, §7 D5) → validation BUY: SL < entry < TP, SELL: TP < entry < SL, all > 0.
 * Throws InvalidPredictionError for a value its interpretation cannot read.
 *
 * ### Examples
 * ```ts
 * declare const strategy: Strategy;
 * proposeTradeSignal(strategy, { prediction: 0.7, price: 0.5, features: {} });
 * // { status: 'proposed', proposal: { side: 'BUY', entryType: 'MARKET', entryPrice: null, stopLoss: 0.49, takeProfit: 0.52, … } }
 * proposeTradeSignal(strategy, { prediction: 0.5, price: 0.5, features: {} });
 * // { status: 'none', reason: 'prediction 0.5 is between the sell and buy thresholds of prob_up' }
 * ```
 */
export function proposeTradeSignal(strategy: Strategy, input: TradeSignalInput): SignalDecision {
  const side = signalSide(strategy, input.prediction);
  if (side === null) {
    return {
      status: 'none',
      reason: `prediction ${input.prediction} is between the sell and buy thresholds of ${strategy.interpretation}`,
    };
  }
  const confirmation = checkConfirmationRules(strategy.confirmationRules, input.features);
  if (!confirmation.passed) return { status: 'none', reason: `confirmation failed: ${confirmation.reason}` };
  if (!(input.price > 0)) return { status: 'none', reason: `no usable market price (${input.price})` };

  const entryPrice =
    strategy.entryType === 'LIMIT' ? limitEntryPrice(side, input, strategy.limitOffsetPct) : null;
  const referencePrice = entryPrice ?? input.price;
  const exits = stopLossTakeProfit(side, referencePrice, strategy);
  if (exits === null) {
    return {
      status: 'none',
      reason: `stop-loss/take-profit cannot be placed around ${referencePrice} for ${side}`,
    };
  }
  // stopLossTakeProfit already orders SL/TP around its reference price; this is the proposal's own
  // contract (the seed's event factory check), kept explicit so a future change cannot bypass it.
  const valid =
    side === 'BUY'
      ? exits.stopLoss > 0 && exits.stopLoss < referencePrice && referencePrice < exits.takeProfit
      : exits.takeProfit > 0 && exits.takeProfit < referencePrice && referencePrice < exits.stopLoss;
  if (!valid)
    return {
      status: 'none',
      reason: `invalid proposal: ${side} SL ${exits.stopLoss} / entry ${referencePrice} / TP ${exits.takeProfit}`,
    };

  return {
    status: 'proposed',
    proposal: {
      signalId: uuidv7(),
      strategyId: strategy.id,
      side,
      entryType: strategy.entryType,
      entryPrice,
      referencePrice,
      stopLoss: exits.stopLoss,
      takeProfit: exits.takeProfit,
      prediction: input.prediction,
      interpretation: strategy.interpretation,
      ...(input.tradingPair !== undefined ? { tradingPair: input.tradingPair } : {}),
      ...(input.predictionId !== undefined ? { predictionId: input.predictionId } : {}),
    },
  };
}
