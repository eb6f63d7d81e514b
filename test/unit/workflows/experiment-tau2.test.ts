import assert from 'node:assert/strict';
import {
  analyseArms,
  guardrailTau2s,
  type AllocationStrategyName,
  type ArmAggregates,
  type PeriodAggregates,
} from '../../../src/lifecycle/analyse-arms';
import { experimentPolicySchema } from '../../../src/policies/experiment-policy';

// Issue 14 item 1: τ² is fixed for the experiment (planned from the MDE), never re-estimated at a
// look. Looks here differ in everything a re-estimate could read: sample sizes, the control's
// accuracy and return variance, the allocation (50/50 to 99/1 as a bandit moves), the periods.

interface Look {
  arms: ArmAggregates[];
  periods: PeriodAggregates[];
}

function look(k: number): Look {
  const n = 400 * (k + 1);
  const share = [0.5, 0.7, 0.9, 0.99][k]!;
  const control = Math.round(n * (1 - share)) + 50;
  const challenger = Math.round(n * share);
  const make = (variant: string, isControl: boolean, outcomes: number, accuracy: number, sd: number) => ({
    variant,
    isControl,
    weight: isControl ? 1 - share : share,
    assignments: outcomes,
    labelled: outcomes,
    correct: Math.round(outcomes * accuracy),
    returnsN: outcomes,
    returnSum: -0.0001 * outcomes,
    returnSumSq: outcomes * sd * sd,
    maxDrawdown: 0.01 * (k + 1),
    units: Math.ceil(outcomes / 4),
  });
  const arms = [
    make('control', true, control, 0.5 + 0.03 * k, 0.001 * (k + 1) ** 2),
    make('challenger', false, challenger, 0.52 + 0.02 * k, 0.002 * (k + 1)),
  ];
  const periods: PeriodAggregates[] = Array.from({ length: 10 + 5 * k }, (_, p) => ({
    start: p * 3_600_000,
    arms: Object.fromEntries(
      arms.map((a) => {
        const per = Math.max(1, Math.round(a.labelled / (10 + 5 * k)));
        return [
          a.variant,
          {
            decisions: per,
            servedWeight: a.weight,
            labelled: per,
            correct: Math.round(per * (a.correct / a.labelled) + ((p % 3) - 1)),
            returnsN: per,
            returnSum: per * (p % 2 ? 0.0002 : -0.0003),
          },
        ];
      }),
    ),
  }));
  return { arms, periods };
}

const looks = [0, 1, 2, 3].map(look);

describe('τ² is fixed across the looks of an experiment', () => {
  const policies = {
    accuracy: experimentPolicySchema.parse({ primaryMetric: 'accuracy', minSamplesPerVariant: 100 }),
    return: experimentPolicySchema.parse({ primaryMetric: 'return', minimumDetectableEffect: 0.0005 }),
  };
  const strategies: AllocationStrategyName[] = ['hash', 'random', 'thompson', 'epsilon_greedy'];
  for (const [metric, policy] of Object.entries(policies)) {
    for (const strategy of strategies) {
      it(`the ${metric} comparison under ${strategy} uses one τ² at every look`, () => {
        const tau2s = looks.map(
          (l) => analyseArms(l.arms, policy, {}, 0, { strategy, periods: l.periods }).comparisons[0]!.tau2,
        );
        assert.ok(tau2s[0]! > 0 && Number.isFinite(tau2s[0]!), `τ² ${tau2s[0]}`);
        assert.deepEqual(tau2s, [tau2s[0], tau2s[0], tau2s[0], tau2s[0]]);
      });
    }
  }

  it("the policy's own τ² is used as it is", () => {
    const fixed = experimentPolicySchema.parse({ tau2: 0.0123 });
    for (const l of looks) assert.equal(analyseArms(l.arms, fixed, {}, 0).comparisons[0]!.tau2, 0.0123);
  });

  const guardrails = {
    'accuracy drop 0.02': { maxAccuracyDrop: 0.02 },
    'any sure accuracy harm (margin 0)': { maxAccuracyDrop: 0 },
    'return drop': { maxReturnDrop: 0.0005 },
    'any sure return harm with a loss bound': { maxReturnDrop: 0, maxLoss: 0.5 },
    loss: { maxLoss: 0.5 },
    drawdown: { maxDrawdown: 0.2 },
    'loss and drawdown': { maxLoss: 0.5, maxDrawdown: 0.2 },
  };
  for (const [name, g] of Object.entries(guardrails)) {
    it(`the ${name} guardrail uses one τ² at every look`, () => {
      const policy = experimentPolicySchema.parse({ guardrails: g });
      const per = looks.map((l) => guardrailTau2s(policy, l.arms[0]!));
      const keys = Object.keys(per[0]!);
      assert.ok(keys.length > 0, 'no guardrail τ²');
      for (const key of keys) {
        const v = per.map((p) => p[key as keyof typeof p]);
        assert.ok(v[0]! > 0 && Number.isFinite(v[0]!), `${key} τ² ${v[0]}`);
        assert.deepEqual(v, [v[0], v[0], v[0], v[0]], key);
      }
    });
  }
});
