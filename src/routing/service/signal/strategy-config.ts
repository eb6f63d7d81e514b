import { readFile } from 'node:fs/promises';
import { z } from 'zod';

// Strategies are the StrategyArbitrator configuration of the original Gal-Friday, in the coherent
// "legacy" form (gal-friday-original.md §5.5–5.8, §8), with its configuration defects turned into
// load-time errors:
//  - the interpretation is required (the seed's default "directional" was invalid everywhere, D4);
//  - each interpretation declares only the thresholds it uses (prob_down never read sell_threshold,
//    and its "both sides apply" warning becomes the rule probabilityThreshold > 0.5);
//  - an unknown confirmation condition is an error, not a silent pass (D6);
//  - the seed's stop_loss_to_take_profit_ratio was used as reward ÷ risk (D7), so it is named
//    rewardToRiskRatio here;
//  - a strategy without stopLossPct and takeProfitPct could never signal, so it is refused.

const probability = z.number().min(0).max(1);

const confirmationRuleSchema = z
  .object({
    feature: z.string().min(1),
    condition: z.enum(['gt', 'gte', 'lt', 'lte', 'eq', 'ne']),
    threshold: z.number(),
  })
  .strict();

const commonFields = {
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'must be 1–64 letters, digits, _ . - (starting with a letter or digit)',
    ),
  description: z.string().optional(),
  /** @default 'MARKET' */
  entryType: z.enum(['MARKET', 'LIMIT']).default('MARKET'),
  /** Fraction inside the spread a LIMIT order is placed at. @default 0.0001 */
  limitOffsetPct: z.number().min(0).lt(1).default(0.0001),
  stopLossPct: z.number().gt(0).lt(1).optional(),
  takeProfitPct: z.number().gt(0).lt(1).optional(),
  /** Take-profit distance ÷ stop-loss distance, used when only one of the two is given. @default 1 */
  rewardToRiskRatio: z.number().gt(0).default(1),
  /** All must pass (AND); a missing feature fails. @default [] */
  confirmationRules: z.array(confirmationRuleSchema).default([]),
};

const probUpSchema = z
  .object({
    ...commonFields,
    interpretation: z.literal('prob_up'),
    buyThreshold: probability,
    sellThreshold: probability,
  })
  .strict()
  .refine((s) => s.buyThreshold > s.sellThreshold, {
    message: 'must be greater than sellThreshold',
    path: ['buyThreshold'],
  });

const probDownSchema = z
  .object({
    ...commonFields,
    interpretation: z.literal('prob_down'),
    probabilityThreshold: z.number().gt(0.5, 'must be > 0.5, or BUY and SELL could both apply').max(1),
  })
  .strict();

const priceChangeSchema = z
  .object({
    ...commonFields,
    interpretation: z.literal('price_change_pct'),
    /** @default 0.01 */
    buyThresholdPct: z.number().gt(0, 'must be > 0 (a BUY on a predicted fall is incoherent)').default(0.01),
    /** @default -0.01 */
    sellThresholdPct: z
      .number()
      .lt(0, 'must be < 0 (a SELL on a predicted rise is incoherent)')
      .default(-0.01),
  })
  .strict();

/**
 * Zod schema of one strategy (camelCase), discriminated by `interpretation`.
 *
 * ### Examples
 * ```ts
 * strategySchema.parse({ id: 's1', interpretation: 'prob_up', buyThreshold: 0.65, sellThreshold: 0.35, stopLossPct: 0.02 });
 * // { id: 's1', …, entryType: 'MARKET', limitOffsetPct: 0.0001, rewardToRiskRatio: 1, confirmationRules: [] }
 * ```
 */
export const strategySchema = z
  .discriminatedUnion('interpretation', [probUpSchema, probDownSchema, priceChangeSchema])
  .superRefine((s, ctx) => {
    if (s.stopLossPct === undefined && s.takeProfitPct === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['stopLossPct'],
        message:
          'stopLossPct or takeProfitPct (or both) must be set; without either no signal can ever be proposed',
      });
    }
  });

/**
 * Zod schema of the strategies file: `{ "strategies": [ … ] }`, ids unique.
 *
 * ### Examples
 * ```ts
 * strategiesFileSchema.parse({ strategies: [] }); // throws: strategies must have at least 1 entry
 * ```
 */
export const strategiesFileSchema = z
  .object({ strategies: z.array(strategySchema).min(1) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.strategies.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', path: ['strategies', i, 'id'], message: `duplicate id "${s.id}"` });
      seen.add(s.id);
    });
  });

/**
 * A validated strategy with every default filled in.
 *
 * ### Examples
 * ```ts
 * import { raw } from '../../../reports/html';
 * const s: Strategy = parseStrategies({ strategies: [raw] }).get('s1')!;
 * ```
 */
export type Strategy = z.output<typeof strategySchema>;

/**
 * A confirmation rule: `features[feature] <condition> threshold`.
 *
 * ### Examples
 * ```ts
 * const rule: ConfirmationRule = { feature: 'rsi_14', condition: 'lt', threshold: 30 };
 * ```
 */
export type ConfirmationRule = z.output<typeof confirmationRuleSchema>;

/**
 * The strategies file as written by hand (defaults optional).
 *
 * ### Examples
 * ```ts
 * const file: StrategiesFileInput = { strategies: [{ id: 'a', interpretation: 'prob_down', probabilityThreshold: 0.65, takeProfitPct: 0.04 }] };
 * ```
 */
export type StrategiesFileInput = z.input<typeof strategiesFileSchema>;

/**
 * Thrown when a strategies configuration is invalid; the message names the source and every
 * offending field (`strategies[1].buyThreshold: must be greater than sellThreshold`).
 *
 * ### Examples
 * ```ts
 * parseStrategies({ strategies: [{ id: 'x', interpretation: 'directional' }] }, 'strategies.json');
 * // StrategyConfigError: strategies.json: strategies[0].interpretation: Invalid input …
 * ```
 */
export class StrategyConfigError extends Error {
  override readonly name = 'StrategyConfigError';
  constructor(
    readonly source: string,
    readonly issues: ReadonlyArray<{ field: string; message: string }>,
  ) {
    super(`${source}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out || '(root)';
}

/**
 * Validates a strategies configuration and returns the strategies by id.
 *
 * ### Examples
 * ```ts
 * const strategies = parseStrategies({ strategies: [{ id: 'momo', interpretation: 'prob_up', buyThreshold: 0.65, sellThreshold: 0.35, stopLossPct: 0.02 }] });
 * strategies.get('momo')?.rewardToRiskRatio; // 1
 * parseStrategies({ strategies: [{ id: 'x', interpretation: 'prob_up', buyThreshold: 0.3, sellThreshold: 0.6, stopLossPct: 0.02 }] });
 * // throws StrategyConfigError 'strategies: strategies[0].buyThreshold: must be greater than sellThreshold'
 * ```
 */
export function parseStrategies(input: unknown, source = 'strategies'): ReadonlyMap<string, Strategy> {
  const parsed = strategiesFileSchema.safeParse(input);
  if (!parsed.success) {
    throw new StrategyConfigError(
      source,
      parsed.error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message })),
    );
  }
  return new Map(parsed.data.strategies.map((s) => [s.id, Object.freeze(s)]));
}

/**
 * Reads and validates a strategies JSON file; a missing file means "no strategies" (an empty map),
 * an unreadable or invalid one throws {@link StrategyConfigError}.
 *
 * ### Examples
 * ```ts
 * await loadStrategiesFile('.galfriday/strategies.json'); // Map { 'momo' => {…} }
 * ```
 */
export async function loadStrategiesFile(file: string): Promise<ReadonlyMap<string, Strategy>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new StrategyConfigError(file, [{ field: '(file)', message: (error as Error).message }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StrategyConfigError(file, [
      { field: '(file)', message: `not valid JSON: ${(error as Error).message}` },
    ]);
  }
  return parseStrategies(json, file);
}
