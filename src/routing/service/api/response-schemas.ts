import { z } from 'zod';
import { ROUTER_ERROR_CODES, type RouterErrorCode } from '../errors/router-error-codes';

// Response bodies, written as zod schemas only to generate /openapi.json (responses are built by
// the handlers, not parsed). Tests check real responses against them.

const tradeSignalProposalSchema = z.object({
  signalId: z.uuid(),
  strategyId: z.string(),
  side: z.enum(['BUY', 'SELL']),
  entryType: z.enum(['MARKET', 'LIMIT']),
  entryPrice: z.number().nullable().describe('LIMIT price; null for MARKET'),
  referencePrice: z
    .number()
    .describe('price SL/TP are measured from: the LIMIT price, or the last price for MARKET'),
  stopLoss: z.number(),
  takeProfit: z.number(),
  prediction: z.number(),
  interpretation: z.enum(['prob_up', 'prob_down', 'price_change_pct']),
  tradingPair: z.string().optional(),
  predictionId: z.uuid().optional(),
});

/**
 * A trade-signal decision: a proposal, or the reason there is none.
 *
 * ### Examples
 * ```ts
 * signalDecisionSchema.parse({ status: 'none', reason: 'confirmation failed: feature "rsi" is missing' });
 * ```
 */
export const signalDecisionSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('proposed'), proposal: tradeSignalProposalSchema }),
  z.object({ status: z.literal('none'), reason: z.string() }),
]);

/**
 * Response of `POST /v1/predict`.
 *
 * ### Examples
 * ```ts
 * declare const predictionId: string;
 * predictResponseSchema.parse({ predictionId, model: 'btc-1h', version: 3, output: 0.61 });
 * ```
 */
export const predictResponseSchema = z.object({
  predictionId: z.uuid().describe('UUIDv7; report the outcome under this id'),
  model: z.string(),
  version: z.number().int().describe('version number that produced `output`'),
  experimentId: z.uuid().optional(),
  variant: z.string().optional(),
  output: z.number().describe('P(up), P(down) or fractional price change, per the model target'),
  asOf: z.string().optional(),
  signal: signalDecisionSchema.optional(),
  fallback: z
    .object({ fromVersion: z.number().int(), reason: z.string() })
    .optional()
    .describe('present when the routed version is broken and the champion answered instead'),
});

/**
 * Response of `POST /v1/route`.
 *
 * ### Examples
 * ```ts
 * declare const assignmentId: string;
 * declare const experimentId: string;
 * routeResponseSchema.parse({ model: 'btc-1h', version: 4, assignmentId, experimentId, variant: 'treatment' });
 * ```
 */
export const routeResponseSchema = z.object({
  model: z.string(),
  version: z.number().int().describe('the version the engine should run'),
  assignmentId: z.uuid().optional().describe('inside an experiment: report the outcome under this id'),
  experimentId: z.uuid().optional(),
  variant: z.string().optional(),
});

/**
 * Response of `POST /v1/outcomes` (202: every item's row is committed or was already stored).
 *
 * ### Examples
 * ```ts
 * outcomesResponseSchema.parse({ recorded: 1, duplicates: 0, unknown: 1, results: [] });
 * ```
 */
export const outcomesResponseSchema = z.object({
  recorded: z.number().int(),
  duplicates: z.number().int(),
  unknown: z.number().int(),
  results: z.array(
    z.object({
      predictionId: z.string(),
      status: z.enum(['recorded', 'duplicate', 'unknown']),
      code: z.literal('ROUTER_ERR_UNKNOWN_PREDICTION').optional(),
      kept: z
        .enum(['no_prediction', 'prediction_dropped'])
        .optional()
        .describe(
          'unknown items: kept in unmatched_outcomes for this reason, and stored once their prediction is logged; no need to resend',
        ),
    }),
  ),
});

/**
 * Response of `POST /v1/signal`.
 *
 * ### Examples
 * ```ts
 * signalResponseSchema.parse({ signal: { status: 'none', reason: '…' } });
 * ```
 */
export const signalResponseSchema = z.object({ signal: signalDecisionSchema });

/**
 * Every error response.
 *
 * ### Examples
 * ```ts
 * errorResponseSchema.parse({ error: { code: 'ROUTER_ERR_VALIDATION', message: 'unitId: …', field: 'unitId' } });
 * ```
 */
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ROUTER_ERROR_CODES) as [RouterErrorCode, ...RouterErrorCode[]]),
    message: z.string(),
    field: z.string().optional(),
    details: z.unknown().optional(),
    /** Validation errors: how many issues there were; `details` lists the first 20. */
    issueCount: z.number().int().optional(),
  }),
});

/**
 * Response of `GET /healthz`.
 */
export const healthResponseSchema = z.object({ status: z.literal('ok') });

/**
 * Response of `GET /readyz` (200 ready, 503 not ready).
 *
 * ### Examples
 * ```ts
 * readyResponseSchema.parse({ ready: true, database: 'up', listening: true, configAgeSeconds: 1.2, bufferedRows: { predictions: 10, assignments: 3 } });
 * ```
 */
export const readyResponseSchema = z.object({
  ready: z.boolean(),
  reason: z.string().optional(),
  database: z.enum(['up', 'down']),
  listening: z.boolean(),
  configAgeSeconds: z.number().nullable(),
  bufferedRows: z.object({ predictions: z.number().int(), assignments: z.number().int() }),
});

/**
 * Response of `GET /admin/config` and `POST /admin/reload`.
 *
 * ### Examples
 * ```ts
 * adminConfigResponseSchema.parse({ loadedAt: null, models: [], sessions: [], problems: [], strategies: [] });
 * ```
 */
export const adminConfigResponseSchema = z.object({
  loadedAt: z.string().nullable(),
  models: z.array(
    z.object({
      name: z.string(),
      target: z.string(),
      champion: z.number().int().nullable(),
      challenger: z.number().int().nullable(),
      shadow: z.number().int().nullable(),
      experiment: z
        .object({
          experimentId: z.string(),
          name: z.string(),
          strategy: z.string(),
          coverage: z.number(),
          arms: z.array(
            z.object({
              variant: z.string(),
              version: z.number().int(),
              isControl: z.boolean(),
              configuredWeight: z.number(),
              weight: z.number(),
            }),
          ),
          weightsEpoch: z.number().nullable(),
          weightsReason: z.string().optional(),
        })
        .nullable(),
    }),
  ),
  sessions: z.array(
    z.object({
      versionId: z.string(),
      state: z.enum(['ready', 'loading', 'broken']),
      error: z.string().optional(),
    }),
  ),
  problems: z.array(
    z.object({
      kind: z.string(),
      modelId: z.string(),
      experimentId: z.string().nullable(),
      message: z.string(),
    }),
  ),
  strategies: z.array(z.string()),
});

/**
 * Response of `POST /admin/flush`.
 *
 * ### Examples
 * ```ts
 * flushResponseSchema.parse({ flushed: true, bufferedRows: { predictions: 0, assignments: 0 } });
 * ```
 */
export const flushResponseSchema = z.object({
  flushed: z.literal(true),
  bufferedRows: z.object({ predictions: z.number().int(), assignments: z.number().int() }),
});
