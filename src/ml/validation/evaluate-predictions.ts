import { MlInputError } from '../errors';
import type { LabelledDataset } from '../features/labelled-dataset';
import { fingerprintNumbers } from '../fingerprint';
import { accuracy } from './accuracy';
import { auc } from './auc';
import { backtestSignals, type SignalBacktestOptions } from './backtest-signals';
import { brierScore } from './brier-score';
import { logLoss, rowLogLoss } from './log-loss';
import { regressionMetrics, rowSquaredError } from './regression-metrics';

/**
 * Classification metric names a gate can refer to.
 */
export const CLASSIFICATION_METRICS = ['auc', 'logLoss', 'brier', 'accuracy'] as const;
/**
 * Regression metric names a gate can refer to.
 */
export const REGRESSION_METRICS = ['rmse', 'mae', 'skill', 'directionalAccuracy'] as const;
/**
 * Backtest metric names (both tasks) a gate can refer to.
 *
 * ### Examples
 * ```ts
 * import { gatePolicySchema } from './gate-policy';
 * gatePolicySchema.parse({ floors: [{ metric: BACKTEST_METRICS[0], min: 50 }] }); // at least 50 signals
 * ```
 */
export const BACKTEST_METRICS = ['signals', 'hitRate', 'meanSignalReturn', 'sharpe', 'maxDrawdown'] as const;

/** Any metric name that can appear in {@link ModelEvaluation.metrics}. */
export type MetricName =
  | (typeof CLASSIFICATION_METRICS)[number]
  | (typeof REGRESSION_METRICS)[number]
  | (typeof BACKTEST_METRICS)[number];

/** Which rows a model was evaluated on; two evaluations are comparable only with equal fingerprints. */
export interface HoldoutReference {
  rows: number;
  /** Fingerprint of the holdout features and targets. */
  fingerprint: string;
  from: string;
  to: string;
  /** Bars ahead the labels look; labels of neighbouring rows overlap when above 1. Absent in older evaluations. */
  horizon?: number;
}

/**
 * A model's scores on a holdout, JSON-safe for the database: metrics by name (null when undefined,
 * e.g. a hit rate without signals) and the per-row loss used for the paired comparison with a
 * champion (log-loss for classification, squared error for regression).
 */
export interface ModelEvaluation {
  task: 'classification' | 'regression';
  holdout: HoldoutReference;
  metrics: Partial<Record<MetricName, number | null>>;
  lossName: 'logLoss' | 'squaredError';
  rowLoss: number[];
}

function holdoutReference(holdout: LabelledDataset): HoldoutReference {
  return {
    rows: holdout.x.rows,
    fingerprint: fingerprintNumbers([holdout.x.data, holdout.y]),
    from: holdout.ts[0] ?? '',
    to: holdout.ts.at(-1) ?? '',
    horizon: holdout.horizon,
  };
}

/**
 * Evaluates predictions on a holdout dataset: for `prob_up` (classification) AUC, log-loss, Brier
 * and accuracy; for `price_change_pct` (regression) RMSE, MAE, skill and directional accuracy;
 * both plus a signal backtest on the realised forward returns. Throws MlInputError if the
 * prediction count differs from the holdout rows.
 *
 * ### Examples
 * ```ts
 * import { predictGbdt } from '../gbdt/gbdt-model';
 * declare const model: import('../gbdt/gbdt-model').GbdtModel;
 * declare const holdout: LabelledDataset;
 * const evaluation = evaluatePredictions(holdout, predictGbdt(model, holdout.x));
 * evaluation.metrics; // { auc: 0.62…, logLoss: 0.65…, brier: 0.23…, accuracy: 0.58…, signals: 312, … }
 * ```
 */
export function evaluatePredictions(
  holdout: LabelledDataset,
  predictions: ArrayLike<number>,
  options: { backtest?: SignalBacktestOptions } = {},
): ModelEvaluation {
  if (predictions.length !== holdout.x.rows) {
    throw new MlInputError(
      'predictions',
      `has ${predictions.length} values, holdout has ${holdout.x.rows} rows`,
    );
  }
  const reference = holdoutReference(holdout);
  if (holdout.target === 'prob_up') {
    const backtest = backtestSignals(predictions, holdout.forwardReturn, {
      mode: 'probability',
      ...options.backtest,
    });
    const rows = rowLogLoss(holdout.y, predictions);
    return {
      task: 'classification',
      holdout: reference,
      metrics: {
        auc: auc(holdout.y, predictions),
        logLoss: logLoss(holdout.y, predictions),
        brier: brierScore(holdout.y, predictions),
        accuracy: accuracy(holdout.y, predictions),
        signals: backtest.signals,
        hitRate: backtest.hitRate,
        meanSignalReturn: backtest.meanSignalReturn,
        sharpe: backtest.sharpe,
        maxDrawdown: backtest.maxDrawdown,
      },
      lossName: 'logLoss',
      rowLoss: Array.from(rows),
    };
  }
  const backtest = backtestSignals(predictions, holdout.forwardReturn, {
    mode: 'price-change',
    ...options.backtest,
  });
  const reg = regressionMetrics(holdout.y, predictions);
  return {
    task: 'regression',
    holdout: reference,
    metrics: {
      ...reg,
      signals: backtest.signals,
      hitRate: backtest.hitRate,
      meanSignalReturn: backtest.meanSignalReturn,
      sharpe: backtest.sharpe,
      maxDrawdown: backtest.maxDrawdown,
    },
    lossName: 'squaredError',
    rowLoss: Array.from(rowSquaredError(holdout.y, predictions)),
  };
}
