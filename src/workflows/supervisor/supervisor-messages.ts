import { z } from 'zod';

/**
 * The payloads the supervisor accepts from outside (the `temporal` CLI, the Web UI, the schedule, the
 * retraining jobs). Anything can arrive there, so every handler parses with these schemas and records
 * what it refused instead of throwing: a throwing handler fails the workflow task on every retry and
 * wedges the entity. The schemas have no defaults, so replay never depends on a default's value.
 */

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

export const retrainingRequestSchema = z
  .object({
    trigger: z.enum(['scheduled', 'drift', 'performance', 'manual']),
    reason: text(1000),
    requestedBy: text(200),
  })
  .strict();

/** The `requestRetraining` update: a person asking, so the trigger is manual (it may be left out). */
export const manualRetrainingRequestSchema = z
  .object({
    trigger: z.literal('manual').optional(),
    reason: text(1000),
    requestedBy: text(200),
  })
  .strict();

export const retrainingOutcomeSchema = z
  .object({
    workflowId: text(300),
    status: z.enum(['completed', 'rejected', 'failed', 'cancelled']),
    detail: z.string().max(10_000),
    promotedVersion: z.number().int().positive().optional(),
  })
  .strict();

export type ParsedMessage<T> = { ok: true; value: T } | { ok: false; error: string };

/** What a payload looked like, short enough to keep in the supervisor's state. */
export function previewPayload(payload: unknown): string {
  if (payload === undefined) return '(no input)';
  let text: string;
  try {
    text = JSON.stringify(payload) ?? String(payload);
  } catch {
    text = String(payload);
  }
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Parses one message payload; the error names the field and says what was expected. */
export function parseMessage<T>(schema: z.ZodType<T>, payload: unknown, example: string): ParsedMessage<T> {
  if (payload === undefined || payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return {
      ok: false,
      error: `expected a JSON object such as ${example}, got ${previewPayload(payload)}`,
    };
  }
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  return { ok: false, error: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

export const REQUEST_EXAMPLE = '{"trigger":"manual","reason":"new data loaded","requestedBy":"alice"}';
export const MANUAL_REQUEST_EXAMPLE = '{"reason":"new data loaded","requestedBy":"alice"}';
export const OUTCOME_EXAMPLE = '{"workflowId":"retrain:btc-1h:3","status":"failed","detail":"…"}';
