import type { TradeSide } from './signal-side';

/**
 * The exit settings of a strategy that {@link stopLossTakeProfit} reads.
 *
 * ### Examples
 * ```ts
 * const exits: ExitSettings = { stopLossPct: 0.02, rewardToRiskRatio: 2 };
 * ```
 */
export interface ExitSettings {
  readonly stopLossPct?: number | undefined;
  readonly takeProfitPct?: number | undefined;
  /** Take-profit distance ÷ stop-loss distance. */
  readonly rewardToRiskRatio: number;
}

/**
 * Stop-loss and take-profit prices around a reference price P (§5.7), or null when they cannot
 * be set:
 *
 * 1. with stopLossPct: SL = P(1 ∓ sl); TP = P(1 ± tp) when takeProfitPct is set, else
 *    P ± risk × rewardToRiskRatio (risk = |P − SL|);
 * 2. else with takeProfitPct: TP = P(1 ± tp), SL = P ∓ reward ÷ rewardToRiskRatio (reward = |TP − P|);
 * 3. neither, P ≤ 0, or a result failing BUY: 0 < SL < P < TP / SELL: 0 < TP < P < SL → null.
 *
 * No rounding: tick sizes belong to the execution side. (The upper/lower sign is BUY/SELL.)
 *
 * ### Examples
 * ```ts
 * stopLossTakeProfit('BUY', 0.5, { stopLossPct: 0.02, takeProfitPct: 0.04, rewardToRiskRatio: 1 }); // { stopLoss: 0.49, takeProfit: 0.52 }
 * stopLossTakeProfit('SELL', 0.5, { stopLossPct: 0.02, takeProfitPct: 0.04, rewardToRiskRatio: 1 }); // { stopLoss: 0.51, takeProfit: 0.48 }
 * stopLossTakeProfit('BUY', 0.5, { stopLossPct: 0.02, rewardToRiskRatio: 2 }); // { stopLoss: 0.49, takeProfit: 0.52 }
 * stopLossTakeProfit('BUY', 0.5, { takeProfitPct: 0.04, rewardToRiskRatio: 2 }); // { stopLoss: 0.49, takeProfit: 0.52 }
 * stopLossTakeProfit('BUY', 0.5, { rewardToRiskRatio: 1 }); // null
 * ```
 */
export function stopLossTakeProfit(
  side: TradeSide,
  price: number,
  exits: ExitSettings,
): { stopLoss: number; takeProfit: number } | null {
  if (!(price > 0) || !Number.isFinite(price)) return null;
  const ratio = exits.rewardToRiskRatio;
  const sl = exits.stopLossPct;
  const tp = exits.takeProfitPct;
  const buy = side === 'BUY';
  let stopLoss: number;
  let takeProfit: number;
  if (sl !== undefined && sl > 0) {
    stopLoss = buy ? price * (1 - sl) : price * (1 + sl);
    if (tp !== undefined && tp > 0) {
      takeProfit = buy ? price * (1 + tp) : price * (1 - tp);
    } else {
      const risk = Math.abs(price - stopLoss);
      takeProfit = buy ? price + risk * ratio : price - risk * ratio;
    }
  } else if (tp !== undefined && tp > 0) {
    takeProfit = buy ? price * (1 + tp) : price * (1 - tp);
    const reward = Math.abs(takeProfit - price);
    if (!(reward > 0) || !(ratio > 0)) return null;
    stopLoss = buy ? price - reward / ratio : price + reward / ratio;
  } else {
    return null;
  }
  const ordered = buy
    ? stopLoss > 0 && stopLoss < price && price < takeProfit
    : takeProfit > 0 && takeProfit < price && price < stopLoss;
  return ordered ? { stopLoss, takeProfit } : null;
}
