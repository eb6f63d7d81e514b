import { z } from 'zod';

// experiments.policy is shared with the experiment workflows (guardrails, promotion, cadence); the
// router reads only its own `routing` section and ignores every other key.

/**
 * Zod schema of `experiments.policy.routing`, the router's part of an experiment's policy.
 *
 * ### Examples
 * ```ts
 * routingPolicySchema.parse({ epsilon: 0.05, reweightIntervalSeconds: 900 });
 * ```
 */
export const routingPolicySchema = z
  .object({
    /** Layer buckets [start, end) this experiment owns when `experiments.layer` is set. */
    layerSlice: z
      .object({ start: z.number().int().min(0).max(9999), end: z.number().int().min(1).max(10000) })
      .strict()
      .optional(),
    /** Exploration share of epsilon-greedy. @default 0.1 */
    epsilon: z.number().min(0).max(1).optional(),
    /** Seconds between adaptive reweightings (thompson, epsilon_greedy). @default 900 */
    reweightIntervalSeconds: z.number().positive().optional(),
    /** Outcomes every arm needs before adaptive weights leave the configured ones. @default 100 */
    minUnitsPerArm: z.number().int().min(0).optional(),
    /** Minimum Thompson weight per arm. @default 0.01 */
    floor: z.number().min(0).max(0.5).optional(),
    /** @default 'best' with two arms (top-two would always give them 50/50), 'top-two' with more */
    thompsonMode: z.enum(['top-two', 'best']).optional(),
    /** Whether a higher or lower primary metric is better. @default 'higher' */
    direction: z.enum(['higher', 'lower']).optional(),
  })
  .strict();

const policySchema = z.looseObject({ routing: routingPolicySchema.optional() });

/**
 * The router's policy for one experiment, defaults filled in.
 *
 * ### Examples
 * ```ts
 * const policy: RoutingPolicy = { epsilon: 0.1, reweightIntervalMs: 900_000, minUnitsPerArm: 100, floor: 0.01, thompsonMode: 'auto', direction: 'higher' };
 * ```
 */
export interface RoutingPolicy {
  readonly layerSlice?: { readonly start: number; readonly end: number };
  readonly epsilon: number;
  readonly reweightIntervalMs: number;
  readonly minUnitsPerArm: number;
  readonly floor: number;
  /** 'auto': 'best' for two arms, 'top-two' for more. */
  readonly thompsonMode: 'top-two' | 'best' | 'auto';
  readonly direction: 'higher' | 'lower';
}

/**
 * Reads the `routing` section of an experiment's policy JSON; throws an Error naming the field
 * (`policy.routing.epsilon: …`) when it is malformed.
 *
 * ### Examples
 * ```ts
 * parseRoutingPolicy({ maxLoss: 0.1, routing: { epsilon: 0.2 } }).epsilon; // 0.2
 * parseRoutingPolicy({}).reweightIntervalMs; // 900000
 * ```
 */
export function parseRoutingPolicy(policy: unknown): RoutingPolicy {
  const parsed = policySchema.safeParse(policy ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`policy.${issue.path.join('.')}: ${issue.message}`);
  }
  const r = parsed.data.routing ?? {};
  return {
    ...(r.layerSlice !== undefined ? { layerSlice: r.layerSlice } : {}),
    epsilon: r.epsilon ?? 0.1,
    reweightIntervalMs: (r.reweightIntervalSeconds ?? 900) * 1000,
    minUnitsPerArm: r.minUnitsPerArm ?? 100,
    floor: r.floor ?? 0.01,
    thompsonMode: r.thompsonMode ?? 'auto',
    direction: r.direction ?? 'higher',
  };
}
