import { z } from 'zod';
import {
  BACKTEST_METRICS,
  CLASSIFICATION_METRICS,
  REGRESSION_METRICS,
  type MetricName,
} from './evaluate-predictions';

const metricName = z.enum([...CLASSIFICATION_METRICS, ...REGRESSION_METRICS, ...BACKTEST_METRICS]);

const metricFloor = z
  .object({
    metric: metricName,
    /** Passes when value ≥ min. */
    min: z.number().optional(),
    /** Passes when value ≤ max. */
    max: z.number().optional(),
  })
  .refine((f) => f.min !== undefined || f.max !== undefined, { message: 'a floor needs min or max' });

/**
 * Absolute floors applied to a classifier when the policy names none (log-loss ceiling = ln 2, a coin flip).
 */
export const DEFAULT_CLASSIFICATION_FLOORS: ReadonlyArray<{
  metric: MetricName;
  min?: number;
  max?: number;
}> = [
  { metric: 'auc', min: 0.52 },
  { metric: 'logLoss', max: Math.LN2 },
  { metric: 'brier', max: 0.25 },
  { metric: 'signals', min: 20 },
];

/**
 * Absolute floors applied to a regressor when the policy names none: beat "no change", call
 * direction better than chance.
 */
export const DEFAULT_REGRESSION_FLOORS: ReadonlyArray<{ metric: MetricName; min?: number; max?: number }> = [
  { metric: 'skill', min: 0 },
  { metric: 'directionalAccuracy', min: 0.5 },
];

/**
 * Promotion gate policy (zod; every field has a default, so `gatePolicySchema.parse({})` is a
 * usable classification policy). Three groups of checks, after TFX's Evaluator/InfraValidator:
 *
 * - `floors`: absolute value thresholds on holdout metrics; default by `task`
 *   ({@link DEFAULT_CLASSIFICATION_FLOORS}, {@link DEFAULT_REGRESSION_FLOORS}).
 * - `champion`: only when a champion evaluation is given (a first version passes on floors
 *   alone). Same holdout required; mean per-row loss (log-loss or squared error) must be at least
 *   `minImprovement` lower than the champion's, and the `confidence` paired-bootstrap CI of the
 *   per-row difference (champion − candidate) must lie above 0. The bootstrap resamples contiguous
 *   blocks (default max(horizon, ⌈n^{1/3}⌉) rows) because adjacent bars' losses are correlated and
 *   overlapping labels share outcomes. A holdout that overlaps the champion's training window is
 *   refused (`champion.holdoutUnseen`): the champion would be scored on rows it learnt from. With
 *   `mde`, an interval whose upper bound is below it fails `champion.futility`. `maxDrops` bounds
 *   how much any other metric may get worse (e.g. AUC by at most 0.01).
 * - `infra`: the artifact loaded in onnxruntime and p99 single-row latency ≤ `maxP99LatencyMs`,
 *   as measured by the caller.
 *
 * ### Examples
 * ```ts
 * gatePolicySchema.parse({}).champion.confidence; // 0.95
 * gatePolicySchema.parse({ task: 'regression' }).floors; // [{ metric: 'skill', min: 0 }, …]
 * ```
 */
export const gatePolicySchema = z
  .object({
    task: z.enum(['classification', 'regression']).default('classification'),
    floors: z.array(metricFloor).optional(),
    champion: z
      .object({
        minImprovement: z.number().min(0).default(0),
        confidence: z.number().gt(0.5).lt(1).default(0.95),
        resamples: z.number().int().min(100).max(100_000).default(2000),
        /**
         * Rows per bootstrap block. Default max(horizon, ⌈n^{1/3}⌉) for n holdout rows: blocks grow
         * like n^{1/3} for dependent rows, and must span the label horizon when labels overlap.
         */
        blockLength: z.number().int().min(1).optional(),
        /**
         * Minimum improvement worth detecting (loss units). When set, a candidate whose interval's
         * upper bound is below it fails `champion.futility`: even its best case is not worth a change.
         */
        mde: z.number().positive().optional(),
        seed: z.number().int().default(1),
        maxDrops: z.array(z.object({ metric: metricName, maxDrop: z.number().min(0) })).default([]),
      })
      .prefault({}),
    infra: z
      .object({
        required: z.boolean().default(true),
        maxP99LatencyMs: z.number().positive().default(5),
      })
      .prefault({}),
  })
  .transform((p) => ({
    ...p,
    floors: p.floors ?? [
      ...(p.task === 'classification' ? DEFAULT_CLASSIFICATION_FLOORS : DEFAULT_REGRESSION_FLOORS),
    ],
  }));

/** A gate policy as written in config (every field optional). */
export type GatePolicyInput = z.input<typeof gatePolicySchema>;
/** A parsed gate policy with every default filled in. */
export type GatePolicy = z.output<typeof gatePolicySchema>;
