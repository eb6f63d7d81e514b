import type { Interval } from '../experiment/types';
import { createBoundedMeanConfidenceSequence } from './bounded-mean-confidence-sequence';
import { dieboldMariano, type DieboldMarianoResult } from './diebold-mariano';
import {
  scoreDifference,
  scoreDifferenceBound,
  type ForecastScore,
  type ForecastScoreOptions,
} from './forecast-scores';

/** One bar on which both versions were scored: one served, the other in shadow. */
export interface PairedBar {
  /** 0/1 outcome (Brier and log scores). */
  label?: number;
  /** Predicted probabilities of the champion (control) and the challenger. */
  champion: number;
  challenger: number;
  /** The bar's market return (signal-PnL score). */
  marketReturn?: number;
}

/** Options for {@link createPairedComparison}. */
export interface PairedComparisonOptions extends ForecastScoreOptions {
  score?: ForecastScore;
  /** @default 0.05 */
  alpha?: number;
}

/** What the paired comparison knows after the bars pushed so far. */
export interface PairedComparisonState {
  score: ForecastScore;
  bars: number;
  /** Mean score differential (challenger better when > 0). */
  meanDifference: number;
  /** Anytime-valid confidence sequence for the running average of conditional mean differentials. */
  interval: Interval;
  /** Fixed-horizon Diebold–Mariano (HAC) view of the same differentials; null below 3 bars. */
  dieboldMariano: DieboldMarianoResult | null;
}

/** Incremental paired comparison; keeps δ for the Diebold–Mariano report (8 bytes a bar). */
export interface PairedComparison {
  push(bar: PairedBar): number;
  state(options?: { withDieboldMariano?: boolean }): PairedComparisonState;
}

/**
 * Champion and challenger scored on the same bars (Choe & Ramdas 2023): δₜ = score differential of a
 * bounded scoring rule, fed to the empirical-Bernstein confidence sequence. The market noise common to
 * both versions cancels inside δₜ, which is why this needs far fewer bars than an unpaired split.
 *
 * ### Examples
 * ```ts
 * const cmp = createPairedComparison({ score: 'brier' });
 * cmp.push({ label: 1, champion: 0.55, challenger: 0.6 });
 * cmp.state().bars; // 1
 * ```
 */
export function createPairedComparison(options: PairedComparisonOptions = {}): PairedComparison {
  const score = options.score ?? 'brier';
  const bound = scoreDifferenceBound(score, options);
  const cs = createBoundedMeanConfidenceSequence({
    lower: -bound,
    upper: bound,
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
  });
  let buffer = new Float64Array(1024);
  let n = 0;
  const push = (bar: PairedBar): number => {
    const delta = scoreDifference(score, bar, options);
    cs.push(delta);
    if (n === buffer.length) {
      const bigger = new Float64Array(buffer.length * 2);
      bigger.set(buffer);
      buffer = bigger;
    }
    buffer[n++] = delta;
    return delta;
  };
  const state = ({ withDieboldMariano = true } = {}): PairedComparisonState => {
    const s = cs.state();
    return {
      score,
      bars: s.n,
      meanDifference: s.mean,
      interval: s.interval,
      dieboldMariano: withDieboldMariano && n >= 3 ? dieboldMariano(Array.from(buffer.subarray(0, n))) : null,
    };
  };
  return { push, state };
}

/** What the paired comparison decides at a look. */
export type PairedDecision = 'promote' | 'reject' | 'continue';

/**
 * Promote when the whole interval is above 0 (the challenger is better on average over the bars so
 * far), reject when it is wholly below 0, otherwise continue. Before `minBars` it always continues.
 */
export function decidePairedComparison(state: PairedComparisonState, minBars = 0): PairedDecision {
  if (state.bars < minBars) return 'continue';
  if (state.interval[0] > 0) return 'promote';
  if (state.interval[1] < 0) return 'reject';
  return 'continue';
}
