// Special functions and probability distributions for the statistics core. Every function here is
// pure, validates its arguments (StatsInputError) and keeps relative precision in far tails.
// Named exports only: the modules also hold internal helpers (saddle-point terms, paired tails).
// Kept instead of @stdlib's ports (bench/library-evaluation.bench.ts, same golden vectors and
// tolerance): @stdlib fails 230 of 2,972 cases (the incomplete gamma off by up to 1.5e-2 for
// a > 1000, the normal quantile -Infinity at p = 1e-300, the t CDF at df = Infinity) and its
// incomplete gamma and beta are 3-10x slower; its normal CDF passes the vectors but misses this
// module's quantile round trip (1.1e-13 relative at p = 1e-300 against the 1e-13 asked).
export { normalPdf, normalCdf, normalSf } from './normal';
export { normalQuantile } from './normal-quantile';
export { logGamma } from './log-gamma';
export { logBeta } from './log-beta';
export { regularizedGammaP, regularizedGammaQ } from './regularized-gamma';
export { regularizedIncompleteBeta, betaCdf, betaSf } from './incomplete-beta';
export { chiSquareCdf, chiSquareSf } from './chi-square';
export { studentTPdf, studentTCdf, studentTSf } from './student-t';
export { studentTQuantile } from './student-t-quantile';
