import { StatsInputError } from '../errors';
import { normalCdf } from '../distributions';
import { requireFinite, requireFiniteArray } from '../distributions/input-checks';
import { centralSums, compensatedMean } from '../experiment/moments-of';

/**
 * Probabilistic Sharpe Ratio (Bailey & López de Prado 2012): the probability that the true per-period
 * Sharpe ratio exceeds `benchmarkSharpe`, accounting for sample length, skewness and fat tails:
 * PSR = Φ((SR − SR*)·√(n − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²)).
 * SR is the per-period ratio of {@link sharpeRatio} (unbiased sd); γ₃ = m₃/m₂^{3/2} and γ₄ = m₄/m₂²
 * are the sample skewness and (non-excess) kurtosis with population moments m_k = Σ(x − x̄)^k/n, as
 * scipy.stats.skew / kurtosis(fisher=False). `benchmarkSharpe` must be per-period too. Needs n ≥ 2
 * and a non-constant series; the denominator is ≥ 0 by γ₄ ≥ γ₃² + 1 and a zero denominator (a
 * two-point series whose SR = 2/γ₃) throws.
 *
 * ### Examples
 * ```ts
 * probabilisticSharpeRatio([0.01, 0.02, -0.01, 0.03, 0.015, -0.005]); // 0.9133455686458899
 * ```
 */
export function probabilisticSharpeRatio(returns: readonly number[], benchmarkSharpe = 0): number {
  requireFiniteArray('returns', returns, 2);
  requireFinite('benchmarkSharpe', benchmarkSharpe);
  const n = returns.length;
  const mean = compensatedMean(returns);
  const { m2, m3, m4 } = centralSums(returns, mean);
  if (!(m2 > 0))
    throw new StatsInputError('returns', 'have zero standard deviation, so the Sharpe ratio is undefined');
  const sr = mean / Math.sqrt(m2 / (n - 1));
  const pm2 = m2 / n;
  const skew = m3 / n / Math.pow(pm2, 1.5);
  const kurtosis = m4 / n / (pm2 * pm2);
  const denominator = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  if (!(denominator > 0)) {
    throw new StatsInputError(
      'returns',
      'give a degenerate Sharpe-ratio variance (1 − γ₃·SR + (γ₄−1)/4·SR² = 0)',
    );
  }
  return normalCdf(((sr - benchmarkSharpe) * Math.sqrt(n - 1)) / Math.sqrt(denominator));
}
