import type { TradeSide } from './signal-side';

/**
 * Price of a LIMIT order placed inside the spread (§5.8): BUY at min(ask × (1 − offset), ask),
 * SELL at max(bid × (1 + offset), bid); without a usable bid/ask, the last price.
 *
 * ### Examples
 * ```ts
 * limitEntryPrice('BUY', { price: 0.5, bid: 0.499, ask: 0.501 }, 0.001);  // 0.500499
 * limitEntryPrice('SELL', { price: 0.5, bid: 0.499, ask: 0.501 }, 0.001); // 0.499499
 * limitEntryPrice('BUY', { price: 0.5 }, 0.001);                          // 0.5
 * ```
 */
export function limitEntryPrice(
  side: TradeSide,
  market: { readonly price: number; readonly bid?: number | undefined; readonly ask?: number | undefined },
  offsetPct: number,
): number {
  const { bid, ask } = market;
  const usable = bid !== undefined && ask !== undefined && bid > 0 && ask > 0 && bid <= ask;
  if (!usable) return market.price;
  return side === 'BUY' ? Math.min(ask * (1 - offsetPct), ask) : Math.max(bid * (1 + offsetPct), bid);
}
