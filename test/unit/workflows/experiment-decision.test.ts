import assert from 'node:assert/strict';
import { analyseArms, type ArmAggregates } from '../../../src/lifecycle/analyse-arms';
import { decideExperiment } from '../../../src/workflows/experiment/experiment-decision';
import { experimentPolicySchema } from '../../../src/policies/experiment-policy';

const policy = experimentPolicySchema.parse({
  minSamplesPerVariant: 100,
  maxSamplesPerVariant: 5000,
  maxDuration: '7d',
});
const DAY = 86_400_000;

function arm(
  variant: string,
  isControl: boolean,
  labelled: number,
  accuracy: number,
  extra: Partial<ArmAggregates> = {},
): ArmAggregates {
  return {
    variant,
    isControl,
    weight: 0.5,
    assignments: labelled,
    labelled,
    correct: Math.round(labelled * accuracy),
    returnsN: 0,
    returnSum: 0,
    returnSumSq: 0,
    maxDrawdown: 0,
    ...extra,
  };
}

describe('experiment analysis and decision', () => {
  it('declares a clearly better challenger the winner', () => {
    const analysis = analyseArms(
      [arm('control', true, 3000, 0.5), arm('challenger', false, 3000, 0.6)],
      policy,
      {},
      0,
    );
    const end = decideExperiment(analysis, policy, DAY, 7 * DAY);
    assert.equal(end?.kind, 'significant');
    assert.equal(end && 'winner' in end ? end.winner : undefined, 'challenger');
  });

  it('does not decide before every arm has the minimum sample', () => {
    const analysis = analyseArms(
      [arm('control', true, 50, 0.3), arm('challenger', false, 50, 0.9)],
      policy,
      {},
      0,
    );
    assert.equal(decideExperiment(analysis, policy, DAY, 7 * DAY), undefined);
  });

  it('keeps the p-value as a running minimum across looks', () => {
    const first = analyseArms(
      [arm('control', true, 1000, 0.5), arm('challenger', false, 1000, 0.55)],
      policy,
      {},
      0,
    );
    const previous = { challenger: first.comparisons[0]!.pValue };
    const second = analyseArms(
      [arm('control', true, 2000, 0.5), arm('challenger', false, 2000, 0.5)],
      policy,
      previous,
      1,
    );
    assert.ok(second.comparisons[0]!.pValue <= previous.challenger);
  });

  it('stops for futility at the maximum sample size or duration', () => {
    const even = [arm('control', true, 5000, 0.5), arm('challenger', false, 5000, 0.5)];
    assert.equal(decideExperiment(analyseArms(even, policy, {}, 0), policy, DAY, 7 * DAY)?.kind, 'futility');
    const few = [arm('control', true, 200, 0.5), arm('challenger', false, 200, 0.5)];
    assert.equal(
      decideExperiment(analyseArms(few, policy, {}, 0), policy, 7 * DAY, 7 * DAY)?.kind,
      'futility',
    );
  });

  it('holds on a sample-ratio mismatch of distinct units before looking at significance', () => {
    const arms = [
      arm('control', true, 3000, 0.5, { assignments: 9000, units: 900 }),
      arm('challenger', false, 3000, 0.7, { assignments: 3000, units: 300 }),
    ];
    const analysis = analyseArms(arms, policy, {}, 0, { strategy: 'hash' });
    assert.equal(analysis.srm.mismatch, true);
    assert.equal(analysis.srm.counted, 'units');
    assert.equal(decideExperiment(analysis, policy, DAY, 7 * DAY)?.kind, 'srm');
  });

  it('counts units, not decisions, for a sticky strategy: heavy units do not make a mismatch', () => {
    const arms = [
      arm('control', true, 3000, 0.5, { assignments: 9000, units: 500 }),
      arm('challenger', false, 3000, 0.5, { assignments: 3000, units: 500 }),
    ];
    const analysis = analyseArms(arms, policy, {}, 0, { strategy: 'hash' });
    assert.equal(analysis.srm.mismatch, false);
    const random = analyseArms(arms, policy, {}, 0, { strategy: 'random' });
    assert.equal(random.srm.counted, 'decisions');
    assert.equal(random.srm.mismatch, true, 'per-request assignment counts decisions');
  });

  it('stops on a guardrail breach whatever the significance says: loss compared with control', () => {
    const guarded = experimentPolicySchema.parse({ guardrails: { maxLoss: 0.5 } });
    const arms = [
      arm('control', true, 3000, 0.5, { returnsN: 1000, returnSum: 0, returnSumSq: 0.1 }),
      arm('challenger', false, 3000, 0.7, { returnsN: 1000, returnSum: -2, returnSumSq: 0.1 + 4 / 1000 }),
    ];
    const end = decideExperiment(analyseArms(arms, guarded, {}, 0), guarded, DAY, 7 * DAY);
    assert.equal(end?.kind, 'guardrail');
    assert.match(
      end!.reason,
      /challenger lost 4\.0000 more than control over the same 2000 outcomes \(> 0\.5\)/,
    );
  });

  it('does not breach an absolute loss when control lost as much over the same period', () => {
    const guarded = experimentPolicySchema.parse({ guardrails: { maxLoss: 0.5, maxDrawdown: 0.5 } });
    const arms = [
      arm('control', true, 3000, 0.5, { returnsN: 1000, returnSum: -2, returnSumSq: 0.1, maxDrawdown: 3 }),
      arm('challenger', false, 3000, 0.5, {
        returnsN: 1000,
        returnSum: -2,
        returnSumSq: 0.1,
        maxDrawdown: 3,
      }),
    ];
    assert.deepEqual(analyseArms(arms, guarded, {}, 0).guardrailBreaches, []);
  });

  describe('comparison: paired (default), split or both', () => {
    const pairedState = (interval: [number, number], bars = 500) => ({
      variant: 'challenger',
      state: {
        score: 'brier' as const,
        bars,
        meanDifference: (interval[0] + interval[1]) / 2,
        interval,
        dieboldMariano: null,
      },
    });
    const even = [arm('control', true, 3000, 0.5), arm('challenger', false, 3000, 0.5)];
    const better = [arm('control', true, 3000, 0.5), arm('challenger', false, 3000, 0.6)];

    it('promotes or rejects on the same bars by default, whatever the split says', () => {
      const promote = analyseArms(even, policy, {}, 0, { paired: pairedState([0.001, 0.01]) });
      const end = decideExperiment(promote, policy, DAY, 7 * DAY);
      assert.equal(end?.kind, 'significant');
      assert.equal(end && 'winner' in end ? end.winner : null, 'challenger');
      assert.match(end!.reason, /scores better than control on the same 500 bars/);
      const reject = analyseArms(better, policy, {}, 0, { paired: pairedState([-0.01, -0.001]) });
      const worse = decideExperiment(reject, policy, DAY, 7 * DAY);
      assert.equal(worse && 'winner' in worse ? worse.winner : null, 'control');
      const open = analyseArms(better, policy, {}, 0, { paired: pairedState([-0.01, 0.01]) });
      assert.equal(
        decideExperiment(open, policy, DAY, 7 * DAY),
        undefined,
        'the split does not decide for paired',
      );
    });

    it('falls back to the split, and says so, while there are no shadow-scored bars', () => {
      const end = decideExperiment(analyseArms(better, policy, {}, 0), policy, DAY, 7 * DAY);
      assert.equal(end?.kind, 'significant');
      assert.match(end!.reason, /\(split: no shadow-scored bars yet\)$/);
    });

    it('both: promotes only when paired and split agree, rejects when either says worse', () => {
      const both = experimentPolicySchema.parse({ ...policy, comparison: 'both' });
      const agree = analyseArms(better, both, {}, 0, { paired: pairedState([0.001, 0.01]) });
      assert.equal(decideExperiment(agree, both, DAY, 7 * DAY)?.kind, 'significant');
      const splitOnly = analyseArms(better, both, {}, 0, { paired: pairedState([-0.01, 0.01]) });
      assert.equal(decideExperiment(splitOnly, both, DAY, 7 * DAY), undefined);
      const pairedWorse = analyseArms(better, both, {}, 0, { paired: pairedState([-0.01, -0.001]) });
      const end = decideExperiment(pairedWorse, both, DAY, 7 * DAY);
      assert.equal(end && 'winner' in end ? end.winner : null, 'control');
    });

    it('split with a per-period analysis waits for enough periods', () => {
      const split = experimentPolicySchema.parse({ ...policy, comparison: 'split', minPeriods: 30 });
      const periods = Array.from({ length: 10 }, (_, i) => ({
        start: i,
        arms: {
          control: { labelled: 300, correct: 150, returnsN: 0, returnSum: 0 },
          challenger: { labelled: 300, correct: 180, returnsN: 0, returnSum: 0 },
        },
      }));
      const few = analyseArms(better, split, {}, 0, { strategy: 'random', periods });
      assert.equal(few.comparisons[0]!.ci, null);
      assert.equal(decideExperiment(few, split, DAY, 7 * DAY), undefined);
    });
  });

  it('keeps τ² fixed whatever the allocation: planned from the MDE, not re-tuned per look', () => {
    const balanced = analyseArms(
      [arm('control', true, 5000, 0.5), arm('challenger', false, 5000, 0.5)],
      policy,
      {},
      0,
    );
    const skewed = analyseArms(
      [arm('control', true, 9900, 0.5), arm('challenger', false, 100, 0.5)],
      policy,
      {},
      0,
    );
    assert.ok(balanced.comparisons[0]!.tau2! > 0);
    assert.equal(balanced.comparisons[0]!.tau2, skewed.comparisons[0]!.tau2);
  });
});

describe('k-arm intervals are at the level the decision uses', () => {
  const k3 = experimentPolicySchema.parse({ minSamplesPerVariant: 100, comparison: 'split' });
  // Two treatments: each is decided at α/2 (Bonferroni), so its interval is the (1 − α/2) one.
  it('reports each treatment interval at α/k, consistent with its decision', () => {
    const control = arm('control', true, 4000, 0.5);
    const one = [control, arm('a', false, 4000, 0.54)];
    const two = [control, arm('a', false, 4000, 0.54), arm('b', false, 4000, 0.5)];
    const single = analyseArms(one, k3, {}, 0, { strategy: 'random' }).comparisons[0]!;
    const double = analyseArms(two, k3, {}, 0, { strategy: 'random' }).comparisons[0]!;
    assert.equal(double.pValue, single.pValue, 'the p-value does not depend on the level');
    const width = (c: typeof single) => c.ci![1] - c.ci![0];
    assert.ok(width(double) > width(single) * 1.02, `${width(double)} vs ${width(single)}`);
    // Whenever the interval excludes 0 the decision calls it significant at α/k, and vice versa.
    const seen = new Set<boolean>();
    for (let accuracy = 0.5; accuracy <= 0.56; accuracy += 0.0025) {
      const arms = [control, arm('a', false, 4000, accuracy), arm('b', false, 4000, 0.5)];
      const analysis = analyseArms(arms, k3, {}, 0, { strategy: 'random' });
      const a = analysis.comparisons[0]!;
      const excludes0 = a.ci![0] > 0;
      const end = decideExperiment(analysis, k3, DAY, 7 * DAY);
      assert.equal(end?.kind === 'significant', excludes0, `accuracy ${accuracy}: ${JSON.stringify(a)}`);
      seen.add(excludes0);
    }
    assert.equal(seen.size, 2, 'the sweep must cross the decision boundary');
  });
});
