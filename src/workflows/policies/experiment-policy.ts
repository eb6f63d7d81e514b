import { z } from 'zod';
import { durationSchema } from './duration-schema';

/**
 * How an experiment is run and decided. Every duration is configurable so that tests run the same
 * code with timers of seconds.
 */
export const experimentPolicySchema = z
  .object({
    /** Which outcome the decision is made on. @default 'accuracy' */
    primaryMetric: z.enum(['accuracy', 'return']).default('accuracy'),
    /** Two-sided level of the always-valid test. @default 0.05 */
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    /** Mixing variance τ² of the mSPRT; unset = the statistics core's tuning to the arms' variance (N* = 5000). */
    tau2: z.number().positive().optional(),
    /** Smallest effect worth detecting (absolute, in metric units), for planning and reports. @default 0.02 */
    minimumDetectableEffect: z.number().positive().default(0.02),
    /** No decision before every arm has this many outcomes. @default 100 */
    minSamplesPerVariant: z.number().int().positive().default(100),
    /** Stop for futility when every arm has this many outcomes without a result. @default 20000 */
    maxSamplesPerVariant: z.number().int().positive().default(20_000),
    /** Stop for futility after this long. @default '7d' */
    maxDuration: durationSchema.default('7d'),
    /** How often the arms are analysed. @default '1h' */
    analysisInterval: durationSchema.default('1h'),
    /** Promote a treatment that wins without asking anyone. @default true */
    autoPromote: z.boolean().default(true),
    /** SRM p-value below which the experiment is held. @default 0.001 */
    srmAlpha: z.number().gt(0).lt(0.1).default(0.001),
    guardrails: z
      .object({
        /** Stop and roll back when an arm's summed trade return falls below −maxLoss. */
        maxLoss: z.number().positive().optional(),
        /** Stop and roll back when an arm's drawdown of cumulative return exceeds this. */
        maxDrawdown: z.number().positive().optional(),
        /** An arm's accuracy more than this far below control's, with at least min samples, is a breach. */
        maxAccuracyDrop: z.number().positive().optional(),
      })
      .default({}),
  })
  .strict();

export type ExperimentPolicy = z.infer<typeof experimentPolicySchema>;
export type ExperimentPolicyInput = z.input<typeof experimentPolicySchema>;
