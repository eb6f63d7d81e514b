import type { ConfirmationRule } from './strategy-config';

/**
 * Result of {@link checkConfirmationRules}: passed, or the first rule that failed and why.
 *
 * ### Examples
 * ```ts
 * const result: ConfirmationResult = { passed: false, reason: 'rsi_14 = 35 is not lt 30' };
 * ```
 */
export type ConfirmationResult = { passed: true } | { passed: false; reason: string };

const COMPARE: Record<ConfirmationRule['condition'], (value: number, threshold: number) => boolean> = {
  gt: (v, t) => v > t,
  gte: (v, t) => v >= t,
  lt: (v, t) => v < t,
  lte: (v, t) => v <= t,
  eq: (v, t) => v === t,
  ne: (v, t) => v !== t,
};

/**
 * Checks a strategy's secondary confirmation rules against named feature values (§5.6): no rules
 * pass; otherwise every rule must hold (AND, the first failure stops), a missing or non-finite
 * feature fails, and the same rules apply to BUY and SELL. Conditions outside the six known ones
 * never get here: the strategy schema refuses them at load (the seed let them pass silently).
 *
 * Comparing doubles gives the same answers as the seed's Decimal(str(x)) comparisons, because the
 * shortest round-trip decimal of a double preserves order and equality.
 *
 * ### Examples
 * ```ts
 * const rules: ConfirmationRule[] = [{ feature: 'rsi', condition: 'lt', threshold: 30 }, { feature: 'mom', condition: 'gt', threshold: 0 }];
 * checkConfirmationRules(rules, { rsi: 25, mom: 0.1 }); // { passed: true }
 * checkConfirmationRules(rules, { rsi: 35, mom: 0.1 }); // { passed: false, reason: 'rsi = 35 is not lt 30' }
 * checkConfirmationRules(rules, { rsi: 25 });           // { passed: false, reason: 'feature "mom" is missing' }
 * ```
 */
export function checkConfirmationRules(
  rules: readonly ConfirmationRule[],
  features: Readonly<Record<string, number>>,
): ConfirmationResult {
  for (const rule of rules) {
    const value = Object.prototype.hasOwnProperty.call(features, rule.feature)
      ? features[rule.feature]
      : undefined;
    if (value === undefined) return { passed: false, reason: `feature "${rule.feature}" is missing` };
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { passed: false, reason: `feature "${rule.feature}" is not a finite number` };
    }
    if (!COMPARE[rule.condition](value, rule.threshold)) {
      return {
        passed: false,
        reason: `${rule.feature} = ${value} is not ${rule.condition} ${rule.threshold}`,
      };
    }
  }
  return { passed: true };
}
