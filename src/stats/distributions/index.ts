// Special functions and probability distributions for the statistics core. Every function here is
// pure, validates its arguments (StatsInputError) and keeps relative precision in far tails.
// Named exports only: the modules also hold internal helpers (saddle-point terms, paired tails).
export { normalPdf, normalCdf, normalSf } from './normal';
export { normalQuantile } from './normal-quantile';
export { logGamma } from './log-gamma';
export { logBeta } from './log-beta';
export { regularizedGammaP, regularizedGammaQ } from './regularized-gamma';
export { regularizedIncompleteBeta, betaCdf, betaSf } from './incomplete-beta';
export { chiSquareCdf, chiSquareSf } from './chi-square';
export { studentTPdf, studentTCdf, studentTSf } from './student-t';
export { studentTQuantile } from './student-t-quantile';
