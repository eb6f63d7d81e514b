import { z } from 'zod';

// Request bodies of the engine endpoints. Objects are strict: a misspelt field ("unitID") is a 400
// naming it, not a silently ignored value. These schemas also generate /openapi.json.

const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be a registered model name (lower-case, 1–63 characters)');
// PostgreSQL text cannot hold NUL: such an id could be served but never logged.
const unitId = z
  .string()
  .min(1)
  .max(256)
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');
const positivePrice = z.number().positive();

/**
 * Market context and strategy choice for a trade-signal proposal.
 *
 * ### Examples
 * ```ts
 * strategyRequestSchema.parse({ id: 'momo', price: 0.5, bid: 0.499, ask: 0.501 });
 * ```
 */
export const strategyRequestSchema = z
  .object({
    /** Strategy id from the strategies configuration. */
    id: z.string().min(1).max(64),
    /** Last traded price (P); stop-loss and take-profit are measured from it or from the LIMIT price. */
    price: positivePrice,
    bid: positivePrice.optional(),
    ask: positivePrice.optional(),
    tradingPair: z.string().min(1).max(64).optional(),
    /** Extra named values the confirmation rules may read, besides the model's features. */
    features: z.record(z.string().min(1).max(128), z.number()).optional(),
  })
  .strict()
  .refine((s) => s.bid === undefined || s.ask === undefined || s.bid <= s.ask, {
    message: 'must not exceed ask',
    path: ['bid'],
  });

/**
 * Body of `POST /v1/predict`.
 *
 * ### Examples
 * ```ts
 * predictRequestSchema.parse({ model: 'btc-1h', unitId: 'acct-7', features: { ret_1: 0.01, vol_5: 0.2 } });
 * ```
 */
export const predictRequestSchema = z
  .object({
    model: modelName,
    /** The randomisation unit (account, strategy instance, order…): sticky under hash allocation. */
    unitId,
    /**
     * By name, or an array in the order of the model's feature schema. An object with a number
     * catch-all rather than a record: JSON keys are strings already, and checking each key again
     * cost 2–3 µs of a prediction's 20 features.
     */
    features: z.union([z.object({}).catchall(z.number()), z.array(z.number()).max(4096)]),
    /** Instant the features describe; echoed back, not used for routing. */
    asOf: z.iso.datetime({ offset: true }).optional(),
    strategy: strategyRequestSchema.optional(),
  })
  .strict();

/**
 * Body of `POST /v1/route`.
 *
 * ### Examples
 * ```ts
 * routeRequestSchema.parse({ model: 'btc-1h', unitId: 'acct-7' });
 * ```
 */
export const routeRequestSchema = z.object({ model: modelName, unitId }).strict();

/**
 * One outcome of a prediction (or of a /v1/route assignment); at least one field besides the id.
 *
 * ### Examples
 * ```ts
 * outcomeItemSchema.parse({ predictionId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab', correct: true, return: 0.004 });
 * ```
 */
export const outcomeItemSchema = z
  .object({
    /** The predictionId of /v1/predict or the assignmentId of /v1/route. */
    predictionId: z.uuid(),
    correct: z.boolean().optional(),
    /** Realised trade return (fraction). */
    return: z.number().gt(-1e6).lt(1e6).optional(),
    signalGenerated: z.boolean().optional(),
  })
  .strict()
  .refine((o) => o.correct !== undefined || o.return !== undefined || o.signalGenerated !== undefined, {
    message: 'needs at least one of correct, return, signalGenerated',
    path: ['correct'],
  });

/**
 * Most outcome items in one request.
 */
export const MAX_OUTCOMES_PER_REQUEST = 10_000;

/**
 * Body of `POST /v1/outcomes` as a batch.
 *
 * ### Examples
 * ```ts
 * declare const predictionId: string;
 * outcomeBatchSchema.parse({ outcomes: [{ predictionId, correct: false }] });
 * ```
 */
export const outcomeBatchSchema = z
  .object({ outcomes: z.array(outcomeItemSchema).min(1).max(MAX_OUTCOMES_PER_REQUEST) })
  .strict();

/**
 * Body of `POST /v1/outcomes`: one outcome, or `{ outcomes: [...] }`.
 *
 * ### Examples
 * ```ts
 * declare const predictionId: string;
 * outcomesRequestSchema.parse({ predictionId, correct: true });
 * ```
 */
export const outcomesRequestSchema = z.union([outcomeItemSchema, outcomeBatchSchema]);

/**
 * Body of `POST /v1/signal`: a prediction made elsewhere, run through a strategy.
 *
 * ### Examples
 * ```ts
 * signalRequestSchema.parse({ prediction: 0.7, strategy: { id: 'momo', price: 0.5 } });
 * ```
 */
export const signalRequestSchema = z
  .object({
    prediction: z.number(),
    /** When given, must equal the strategy's interpretation (a guard against mixing up models). */
    interpretation: z.enum(['prob_up', 'prob_down', 'price_change_pct']).optional(),
    strategy: strategyRequestSchema,
    predictionId: z.uuid().optional(),
  })
  .strict();

/**
 * A parsed `POST /v1/predict` body.
 *
 * ### Examples
 * ```ts
 * const body: PredictRequest = { model: 'btc-1h', unitId: 'u', features: [0.1, 0.2] };
 * ```
 */
export type PredictRequest = z.output<typeof predictRequestSchema>;
/**
 * A parsed `POST /v1/route` body.
 *
 * ### Examples
 * ```ts
 * const body: RouteRequest = { model: 'btc-1h', unitId: 'u' };
 * ```
 */
export type RouteRequest = z.output<typeof routeRequestSchema>;
/**
 * A parsed `POST /v1/outcomes` body.
 *
 * ### Examples
 * ```ts
 * declare const id: string;
 * const body: OutcomesRequest = { outcomes: [{ predictionId: id, correct: true }] };
 * ```
 */
export type OutcomesRequest = z.output<typeof outcomesRequestSchema>;
/**
 * A parsed `POST /v1/signal` body.
 *
 * ### Examples
 * ```ts
 * const body: SignalRequest = { prediction: 0.7, strategy: { id: 'momo', price: 0.5 } };
 * ```
 */
export type SignalRequest = z.output<typeof signalRequestSchema>;
/**
 * The `strategy` part of a predict or signal request.
 *
 * ### Examples
 * ```ts
 * const s: StrategyRequest = { id: 'momo', price: 0.5 };
 * ```
 */
export type StrategyRequest = z.output<typeof strategyRequestSchema>;
