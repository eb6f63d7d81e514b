import { StatsInputError } from '../errors';

/** A bounded scoring rule for paired comparison; differences of two scores lie in [−bound, bound]. */
export type ForecastScore = 'brier' | 'log' | 'pnl';

/** Parameters of the clipped scores. */
export interface ForecastScoreOptions {
  /** Log loss clips probabilities to [ε, 1 − ε]. @default 0.01 */
  logClip?: number;
  /** Signal-PnL clips sign(p − ½)·return to [−cap, cap]. @default 0.05 */
  pnlClip?: number;
}

function checkProbability(name: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new StatsInputError(name, `must be a probability in [0, 1], got ${p}`);
}

/**
 * The largest |δ| a score differential can take, which the confidence sequence needs:
 * Brier 1, clipped log loss ln((1 − ε)/ε), signal-PnL 2·cap.
 */
export function scoreDifferenceBound(score: ForecastScore, options: ForecastScoreOptions = {}): number {
  if (score === 'brier') return 1;
  if (score === 'log') {
    const eps = options.logClip ?? 0.01;
    if (!(eps > 0 && eps < 0.5)) throw new StatsInputError('logClip', `must be in (0, 0.5), got ${eps}`);
    return Math.log((1 - eps) / eps);
  }
  const cap = options.pnlClip ?? 0.05;
  if (!(cap > 0 && Number.isFinite(cap)))
    throw new StatsInputError('pnlClip', `must be positive, got ${cap}`);
  return 2 * cap;
}

/**
 * Per-bar score differential δ = (how much better the challenger did than the champion on this bar),
 * oriented so that δ > 0 favours the challenger:
 *
 * - `brier`: (p_champion − y)² − (p_challenger − y)²;
 * - `log`: clipped log loss of the champion − that of the challenger (probabilities clipped to [ε, 1 − ε]);
 * - `pnl`: clip(sign(p_challenger − ½)·r) − clip(sign(p_champion − ½)·r), with r the bar's market return.
 *
 * `label` is 0/1 (ignored by `pnl`); `marketReturn` is required by `pnl` only.
 *
 * ### Examples
 * ```ts
 * scoreDifference('brier', { label: 1, champion: 0.6, challenger: 0.7 }); // 0.16 − 0.09 = 0.07
 * ```
 */
export function scoreDifference(
  score: ForecastScore,
  bar: { label?: number; champion: number; challenger: number; marketReturn?: number },
  options: ForecastScoreOptions = {},
): number {
  checkProbability('champion', bar.champion);
  checkProbability('challenger', bar.challenger);
  if (score === 'pnl') {
    const r = bar.marketReturn;
    if (typeof r !== 'number' || !Number.isFinite(r))
      throw new StatsInputError('return', `the pnl score needs a finite market return, got ${r}`);
    const cap = scoreDifferenceBound('pnl', options) / 2;
    const pnl = (p: number) => Math.max(-cap, Math.min(cap, Math.sign(p - 0.5) * r));
    return pnl(bar.challenger) - pnl(bar.champion);
  }
  const y = bar.label;
  if (y !== 0 && y !== 1) throw new StatsInputError('label', `must be 0 or 1, got ${y}`);
  if (score === 'brier') return (bar.champion - y) ** 2 - (bar.challenger - y) ** 2;
  const eps = options.logClip ?? 0.01;
  scoreDifferenceBound('log', options);
  const loss = (p: number) => -Math.log(Math.min(1 - eps, Math.max(eps, y === 1 ? p : 1 - p)));
  return loss(bar.champion) - loss(bar.challenger);
}
