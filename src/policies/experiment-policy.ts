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
    /**
     * Mixing variance τ² of the mSPRT, fixed for the whole experiment. Unset = planned from the MDE
     * (`plannedTau2`: the τ² that makes the interval narrowest at the fixed-horizon sample size for the
     * MDE at 80% power); never re-estimated at each look.
     */
    tau2: z.number().positive().optional(),
    /** Smallest effect worth detecting (absolute, in metric units): plans τ² and the futility stop. @default 0.02 */
    minimumDetectableEffect: z.number().positive().default(0.02),
    /**
     * What decides: `paired` = champion and challenger scored on the same bars (one served, one in
     * shadow) with an anytime-valid confidence sequence; `split` = the A/B split of live traffic;
     * `both` = promote only when both say better, reject when either says worse. While an experiment
     * has no shadow scores yet, `paired` falls back to the split and says so. @default 'paired'
     */
    comparison: z.enum(['paired', 'split', 'both']).default('paired'),
    /**
     * Level at which split outcomes are analysed. `auto`: per unit (delta method) for unit-sticky
     * `hash` assignment, per period (period-weighted, Newey–West) for `random` and adaptive strategies.
     * `row` is the old per-outcome analysis (rows treated as independent), kept for comparison. @default 'auto'
     */
    analysisLevel: z.enum(['auto', 'unit', 'period', 'row']).default('auto'),
    /** Length of one period (bar) in the per-period analysis. @default '1h' */
    analysisPeriod: durationSchema.default('1h'),
    /** No per-period decision before this many periods with outcomes in both arms (HAC needs them). @default 30 */
    minPeriods: z.number().int().min(2).default(30),
    paired: z
      .object({
        /** Bounded scoring rule of the paired comparison. @default 'brier' */
        score: z.enum(['brier', 'log', 'pnl']).default('brier'),
        /** Clip of probabilities for the log score. @default 0.01 */
        logClip: z.number().gt(0).lt(0.5).default(0.01),
        /** Clip of |sign(p − ½)·return| for the pnl score. @default 0.05 */
        pnlClip: z.number().positive().default(0.05),
        /** No paired decision before this many bars. @default 30 */
        minBars: z.number().int().nonnegative().default(30),
        /** Stop for futility after this many paired bars without a decision. @default 100000 */
        maxBars: z.number().int().positive().default(100_000),
      })
      .strict()
      .prefault({}),
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
    /**
     * Guardrails are sequential harm tests on treatment − control, each with error ≤ alpha/2 under A/A
     * however often it is looked at; loss and drawdown are compared with control over the same period.
     */
    guardrails: z
      .object({
        /** Level of the guardrails' confidence sequences. @default 0.05 */
        alpha: z.number().gt(0).lt(0.5).default(0.05),
        /**
         * Breach when the treatment's accuracy is surely more than this below control's: the upper
         * confidence-sequence bound of (treatment − control) is below −maxAccuracyDrop. 0 = any sure harm.
         */
        maxAccuracyDrop: z.number().nonnegative().optional(),
        /** As maxAccuracyDrop for the mean return per outcome. */
        maxReturnDrop: z.number().nonnegative().optional(),
        /**
         * Breach when the treatment surely earns less per outcome than control (upper bound < 0) and,
         * scaled to the same traffic over the same periods, has lost more than this beyond control.
         */
        maxLoss: z.number().positive().optional(),
        /**
         * Breach when the treatment surely earns less than control and its drawdown over the same periods
         * (each arm's per-outcome return scaled to the period's whole traffic) exceeds control's by this.
         */
        maxDrawdown: z.number().positive().optional(),
      })
      .prefault({}),
  })
  .strict();

export type ExperimentPolicy = z.infer<typeof experimentPolicySchema>;
export type ExperimentPolicyInput = z.input<typeof experimentPolicySchema>;
