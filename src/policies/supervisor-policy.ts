import { z } from 'zod';
import { durationSchema } from './duration-schema';
import { experimentPolicySchema } from './experiment-policy';

/** How a model is supervised: when to check drift, when to retrain, how candidates are tried. */
export const supervisorPolicySchema = z
  .object({
    /** @default '1h' */
    driftCheckInterval: durationSchema.default('1h'),
    /**
     * Each next drift check is put off by up to this share of driftCheckInterval, drawn per check, so
     * that supervisors started together (a fleet deploy) drift apart instead of checking in lockstep.
     * @default 0.1
     */
    driftCheckJitter: z.number().min(0).max(0.5).default(0.1),
    /** Live predictions looked at by one drift check. @default '24h' */
    driftWindow: durationSchema.default('24h'),
    /** Fewer predictions than this in the window: no decision. @default 200 */
    minDriftSamples: z.number().int().positive().default(200),
    /** Share of drifted features that makes the dataset drifted. @default 0.5 */
    driftShare: z.number().gt(0).lte(1).default(0.5),
    /**
     * Drift thresholds: 'calibrated' from the reference period's own variation at the window's row
     * count; 'fixed' the methods' fixed levels (the behaviour before calibration). @default 'calibrated'
     */
    driftThresholds: z.enum(['calibrated', 'fixed']).default('calibrated'),
    /** N-of-M hysteresis over disjoint windows: retrain only after `breaches` drifted windows among the last `window`. */
    hysteresis: z
      .object({
        breaches: z.number().int().positive().default(2),
        window: z.number().int().positive().default(3),
      })
      .default({ breaches: 2, window: 3 })
      .refine((h) => h.breaches <= h.window, 'hysteresis.breaches must not exceed hysteresis.window'),
    /** Minimum time between the end of one retraining and the start of an automatic next one. @default '6h' */
    cooldown: durationSchema.default('6h'),
    /** Automatic retrainings allowed per UTC day (manual requests are not counted against it). @default 3 */
    maxRetrainsPerDay: z.number().int().nonnegative().default(3),
    /** Performance degradation trigger: live accuracy tested against the validation baseline. */
    performance: z
      .object({
        enabled: z.boolean().default(true),
        minOutcomes: z.number().int().positive().default(200),
        alpha: z.number().gt(0).lt(0.5).default(0.01),
        /**
         * 'two-sample': per check, the holdout accuracy's own error and bar-clustered live variance
         * (default); 'cusum': a CUSUM of the bars since promotion, valid however often it is looked
         * at; 'known-baseline': the holdout accuracy taken as exact (the old test).
         */
        method: z.enum(['two-sample', 'known-baseline', 'cusum']).default('two-sample'),
      })
      .default({ enabled: true, minOutcomes: 200, alpha: 0.01, method: 'two-sample' }),
    /** Training data and trainer of a retraining. */
    retrain: z
      .object({
        trainer: z.enum(['logreg', 'gbdt']).default('logreg'),
        /** Bars of history to train on (the newest ones). @default 2000 */
        windowBars: z.number().int().min(200).default(2000),
      })
      .default({ trainer: 'logreg', windowBars: 2000 }),
    /** Share of traffic the challenger gets in its experiment. @default 0.5 */
    challengerTraffic: z.number().gt(0).lt(1).default(0.5),
    experiment: experimentPolicySchema.default(experimentPolicySchema.parse({})),
    /**
     * A retraining job running longer than this (training plus its experiment's maximum duration) is
     * shown as stuck and alerted on. @default '14d'
     */
    jobTimeout: durationSchema.default('14d'),
  })
  .strict();

export type SupervisorPolicy = z.infer<typeof supervisorPolicySchema>;
export type SupervisorPolicyInput = z.input<typeof supervisorPolicySchema>;

/** Parses a policy, naming the field that is wrong (`cooldown: expected a duration …`). */
export function parseSupervisorPolicy(input: unknown): SupervisorPolicy {
  const result = supervisorPolicySchema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`policy.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

type PlainObject = Record<string, unknown>;
const isPlainObject = (v: unknown): v is PlainObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A patch laid over a full policy, nested objects field by field: `{hysteresis: {breaches: 1}}` keeps
 * the current window. Over a full policy no default of the schema is ever used, so a changed default
 * cannot change what a running supervisor replays.
 */
export function mergePolicyPatch(policy: SupervisorPolicy, patch: unknown): unknown {
  const merge = (base: unknown, over: unknown): unknown => {
    if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
    const out: PlainObject = { ...base };
    for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
    return out;
  };
  return merge(policy, patch ?? {});
}
