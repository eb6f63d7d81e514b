import assert from 'node:assert/strict';
import { checkConfirmationRules } from '../../../../../src/routing/service/signal/confirmation-rules';
import {
  parseStrategies,
  StrategyConfigError,
  type ConfirmationRule,
} from '../../../../../src/routing/service/signal/strategy-config';

const rules: ConfirmationRule[] = [
  { feature: 'rsi', condition: 'lt', threshold: 30 },
  { feature: 'mom', condition: 'gt', threshold: 0 },
];

// §5.6 checks: rsi < 30 and mom > 0.
describe('confirmation rules', () => {
  it('passes when every rule holds: {rsi 25, mom 0.1}', () => {
    assert.deepEqual(checkConfirmationRules(rules, { rsi: 25, mom: 0.1 }), { passed: true });
  });

  it('fails on the first rule that does not hold: rsi 35', () => {
    assert.deepEqual(checkConfirmationRules(rules, { rsi: 35, mom: 0.1 }), {
      passed: false,
      reason: 'rsi = 35 is not lt 30',
    });
  });

  it('fails when a feature is missing, and on empty features', () => {
    assert.deepEqual(checkConfirmationRules(rules, { rsi: 25 }), {
      passed: false,
      reason: 'feature "mom" is missing',
    });
    assert.equal(checkConfirmationRules(rules, {}).passed, false);
  });

  it('passes with no rules, whatever the features', () => {
    assert.deepEqual(checkConfirmationRules([], {}), { passed: true });
  });

  it('compares each condition like the seed (gte, lte, eq, ne on boundaries)', () => {
    const at = (condition: ConfirmationRule['condition'], value: number) =>
      checkConfirmationRules([{ feature: 'x', condition, threshold: 0.1 }], { x: value }).passed;
    assert.deepEqual(
      [at('gte', 0.1), at('lte', 0.1), at('eq', 0.1), at('ne', 0.1), at('gt', 0.1), at('lt', 0.1)],
      [true, true, true, false, false, false],
    );
    // 0.1 + 0.2 is not the decimal 0.3, and Decimal(str(0.30000000000000004)) != Decimal('0.3') either.
    assert.equal(at('eq', 0.1 + 0.2 - 0.2), false);
  });

  it('refuses an unknown condition when the strategy is loaded (the seed let "between" pass silently)', () => {
    assert.throws(
      () =>
        parseStrategies({
          strategies: [
            {
              id: 's',
              interpretation: 'prob_up',
              buyThreshold: 0.6,
              sellThreshold: 0.4,
              stopLossPct: 0.02,
              confirmationRules: [{ feature: 'rsi', condition: 'between', threshold: 30 }],
            },
          ],
        }),
      (e: unknown) =>
        e instanceof StrategyConfigError &&
        /strategies\[0\]\.confirmationRules\[0\]\.condition/.test(e.message),
    );
  });
});
