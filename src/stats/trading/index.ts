// Trading metrics: per-decision Sharpe, drawdown, HAC variance and the comparisons built on them.
export { sharpeRatio } from './sharpe-ratio';
export type { SharpeRatioOptions } from './sharpe-ratio';
export { maxDrawdown } from './max-drawdown';
export type { MaxDrawdownOptions } from './max-drawdown';
export { neweyWestVariance, neweyWestStandardError, defaultNeweyWestLags } from './newey-west';
export { probabilisticSharpeRatio } from './probabilistic-sharpe-ratio';
export { compareMeanReturns } from './compare-mean-returns';
export type { CompareMeanReturnsOptions, CompareMeanReturnsResult } from './compare-mean-returns';
