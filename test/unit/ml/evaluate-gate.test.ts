import assert from 'node:assert/strict';
import {
  createRng,
  evaluateGate,
  gatePolicySchema,
  lossDifferenceInterval,
  MlInputError,
  type ModelEvaluation,
} from './ml-test-kit';

const GOOD = {
  auc: 0.61,
  logLoss: 0.66,
  brier: 0.234,
  accuracy: 0.58,
  signals: 120,
  hitRate: 0.56,
  meanSignalReturn: 0.001,
  sharpe: 0.1,
  maxDrawdown: 0.05,
};
const INFRA_OK = { loaded: true, p99LatencyMs: 0.4 };

function evaluation(
  metrics: ModelEvaluation['metrics'],
  rowLoss: number[],
  fingerprint = 'holdout-1',
  horizon = 1,
): ModelEvaluation {
  return {
    task: 'classification',
    holdout: {
      rows: rowLoss.length,
      fingerprint,
      from: '2024-01-01T00:00:00.000Z',
      to: '2024-03-01T00:00:00.000Z',
      horizon,
    },
    metrics,
    lossName: 'logLoss',
    rowLoss,
  };
}

/** Per-row losses for a champion, and a candidate that is better by `edge` on average. */
function pairedLosses(n: number, edge: number, seed: number): { champion: number[]; candidate: number[] } {
  const rng = createRng(seed);
  const champion = Array.from({ length: n }, () => 0.69 + 0.3 * rng.normal());
  const candidate = champion.map((v) => v - edge + 0.02 * rng.normal());
  return { champion, candidate };
}

describe('ml/evaluate-gate', () => {
  it('passes a first version (no champion) on floors and infra alone', () => {
    const result = evaluateGate(evaluation(GOOD, [0.6, 0.7]), undefined, {}, INFRA_OK);
    assert.equal(result.passed, true);
    assert.deepEqual(
      result.checks.map((c) => [c.name, c.passed]),
      [
        ['floor.auc', true],
        ['floor.logLoss', true],
        ['floor.brier', true],
        ['floor.signals', true],
        ['champion.present', true],
        ['infra.loaded', true],
        ['infra.p99LatencyMs', true],
      ],
    );
    assert.deepEqual(result.checks[0], {
      name: 'floor.auc',
      passed: true,
      value: 0.61,
      threshold: 0.52,
      detail: 'auc 0.61 ≥ 0.52',
    });
  });

  it('fails floors with the value and threshold in the check', () => {
    const result = evaluateGate(
      evaluation({ ...GOOD, auc: 0.5, logLoss: 0.7 }, [0.7]),
      undefined,
      {},
      INFRA_OK,
    );
    assert.equal(result.passed, false);
    const failed = result.checks.filter((c) => !c.passed);
    assert.deepEqual(
      failed.map((c) => c.detail),
      ['auc 0.5 < 0.52', 'logLoss 0.7 > 0.6931'],
    );
    assert.deepEqual(
      failed.map((c) => c.threshold),
      [0.52, Math.LN2],
    );
  });

  it('fails a floor whose metric is missing or null', () => {
    const result = evaluateGate(
      evaluation({ ...GOOD, signals: 0, hitRate: null }, [0.7]),
      undefined,
      { floors: [{ metric: 'hitRate', min: 0.5 }] },
      INFRA_OK,
    );
    assert.equal(result.passed, false);
    assert.equal(result.checks[0]!.detail, 'hitRate is not available for this model');
  });

  it('passes a candidate clearly better than the champion on the same holdout', () => {
    const { champion, candidate } = pairedLosses(2000, 0.01, 1);
    const result = evaluateGate(
      evaluation(GOOD, candidate),
      evaluation({ ...GOOD, auc: 0.6 }, champion),
      { champion: { minImprovement: 0.005, maxDrops: [{ metric: 'auc', maxDrop: 0.01 }] } },
      INFRA_OK,
    );
    assert.equal(result.passed, true, JSON.stringify(result.checks.filter((c) => !c.passed)));
    const ci = result.checks.find((c) => c.name === 'champion.lossImprovementCi')!;
    assert.ok(ci.value! > 0);
    assert.match(
      ci.detail,
      /^95% paired block-bootstrap CI of the improvement \[.*\] excludes 0: significantly better \(2000 resamples, block 13 = max\(horizon 1, ⌈n\^\(1\/3\)⌉\)\)$/,
    );
  });

  it('fails when the improvement is below the margin or its CI includes 0', () => {
    const { champion, candidate } = pairedLosses(2000, 0.0005, 2);
    const result = evaluateGate(
      evaluation(GOOD, candidate),
      evaluation(GOOD, champion),
      { champion: { minImprovement: 0.002 } },
      INFRA_OK,
    );
    assert.equal(result.passed, false);
    const byName = Object.fromEntries(result.checks.map((c) => [c.name, c]));
    assert.equal(byName['champion.lossImprovement']!.passed, false);
    // Same model twice: the improvement is exactly 0 and its CI is [0, 0], which does not exclude 0.
    const same = evaluateGate(evaluation(GOOD, champion), evaluation(GOOD, champion), {}, INFRA_OK);
    assert.equal(same.passed, false);
    assert.deepEqual(
      same.checks.filter((c) => !c.passed).map((c) => c.name),
      ['champion.lossImprovementCi'],
    );
  });

  it('fails when another metric drops more than allowed', () => {
    const { champion, candidate } = pairedLosses(1000, 0.02, 3);
    const result = evaluateGate(
      evaluation({ ...GOOD, auc: 0.57 }, candidate),
      evaluation({ ...GOOD, auc: 0.6 }, champion),
      { champion: { maxDrops: [{ metric: 'auc', maxDrop: 0.01 }] } },
      INFRA_OK,
    );
    const drop = result.checks.find((c) => c.name === 'champion.maxDrop.auc')!;
    assert.equal(drop.passed, false);
    assert.ok(Math.abs(drop.value! - 0.03) < 1e-12);
  });

  it('refuses to compare evaluations from different holdouts', () => {
    const result = evaluateGate(
      evaluation(GOOD, [0.5, 0.6]),
      evaluation(GOOD, [0.7, 0.8], 'holdout-2'),
      {},
      INFRA_OK,
    );
    assert.equal(result.passed, false);
    assert.equal(result.checks.find((c) => c.name === 'champion.sameHoldout')!.passed, false);
    assert.equal(
      result.checks.find((c) => c.name === 'champion.lossImprovement'),
      undefined,
    );
  });

  it('fails the infra check when the model did not load, is too slow, or was not checked', () => {
    const e = evaluation(GOOD, [0.6]);
    const notLoaded = evaluateGate(e, undefined, {}, { loaded: false, error: 'Load model failed' });
    assert.deepEqual(
      notLoaded.checks.filter((c) => !c.passed).map((c) => c.detail),
      ['artifact failed to load: Load model failed', 'no latency measured'],
    );
    const slow = evaluateGate(
      e,
      undefined,
      { infra: { maxP99LatencyMs: 2 } },
      { loaded: true, p99LatencyMs: 3.5 },
    );
    assert.deepEqual(
      slow.checks.filter((c) => !c.passed).map((c) => c.detail),
      ['p99 single-row latency 3.5 ms > 2 ms'],
    );
    assert.equal(evaluateGate(e, undefined, {}).passed, false);
    assert.equal(evaluateGate(e, undefined, { infra: { required: false } }).passed, true);
  });

  it('uses regression floors for a regression policy and flags a task mismatch', () => {
    const policy = gatePolicySchema.parse({ task: 'regression' });
    assert.deepEqual(policy.floors, [
      { metric: 'skill', min: 0 },
      { metric: 'directionalAccuracy', min: 0.5 },
    ]);
    const result = evaluateGate(evaluation(GOOD, [0.6]), undefined, { task: 'regression' }, INFRA_OK);
    assert.equal(result.checks[0]!.name, 'task');
    assert.equal(result.passed, false);
  });

  it('fills defaults and rejects an invalid policy with a typed error', () => {
    const policy = gatePolicySchema.parse({});
    assert.equal(policy.task, 'classification');
    assert.deepEqual(policy.champion, {
      minImprovement: 0,
      confidence: 0.95,
      resamples: 2000,
      seed: 1,
      maxDrops: [],
    });
    assert.deepEqual(policy.infra, { required: true, maxP99LatencyMs: 5 });
    assert.throws(
      () => evaluateGate(evaluation(GOOD, [0.6]), undefined, { champion: { confidence: 1.5 } }),
      (e: unknown) => {
        assert.ok(e instanceof MlInputError);
        assert.match(e.message, /^gatePolicy\.champion\.confidence: /);
        return true;
      },
    );
  });

  it('bootstrap interval is reproducible, brackets the mean, and widens with blocks on correlated data', () => {
    const rng = createRng(8);
    // AR(1) differences: neighbouring rows are strongly correlated.
    const champion: number[] = [];
    let v = 0;
    for (let i = 0; i < 2000; i++) champion.push((v = 0.9 * v + 0.01 * rng.normal()) + 0.7);
    const candidate = champion.map((x, i) => x - 0.001 + (i % 2 === 0 ? 0.0001 : -0.0001));
    const opts = { confidence: 0.95, resamples: 1000, blockLength: 1, seed: 3 };
    const iid = lossDifferenceInterval(champion, candidate, opts);
    assert.deepEqual(lossDifferenceInterval(champion, candidate, opts), iid);
    assert.ok(Math.abs(iid.mean - 0.001) < 1e-12);
    assert.ok(iid.lower <= iid.mean && iid.mean <= iid.upper);
    const noisy = champion.map((x, i) => x - 0.001 + (champion[(i * 7) % 2000]! - 0.7));
    const rows = lossDifferenceInterval(champion, noisy, opts);
    const blocked = lossDifferenceInterval(champion, noisy, { ...opts, blockLength: 50 });
    assert.ok(
      blocked.upper - blocked.lower > 1.5 * (rows.upper - rows.lower),
      `${JSON.stringify([rows, blocked])}`,
    );
    assert.throws(() => lossDifferenceInterval([1, 2, 3], [1, 2, 3], { ...opts, blockLength: 2 }), {
      message: 'rowLoss: 3 rows give fewer than 2 blocks of 2; the bootstrap needs at least 2',
    });
  });

  describe('dependence, overlap, futility and the interval sentence', () => {
    it('defaults the block length to max(horizon, ⌈n^(1/3)⌉) and keeps an explicit one', () => {
      const { champion, candidate } = pairedLosses(1000, 0.01, 7);
      const ciOf = (result: ReturnType<typeof evaluateGate>) =>
        result.checks.find((c) => c.name === 'champion.lossImprovementCi')!.detail;
      assert.match(
        ciOf(evaluateGate(evaluation(GOOD, candidate), evaluation(GOOD, champion), {}, INFRA_OK)),
        /block 10 =/,
      );
      const h24 = evaluateGate(
        evaluation(GOOD, candidate, 'holdout-1', 24),
        evaluation(GOOD, champion, 'holdout-1', 24),
        {},
        INFRA_OK,
      );
      assert.match(ciOf(h24), /block 24 = max\(horizon 24/);
      const explicit = evaluateGate(
        evaluation(GOOD, candidate),
        evaluation(GOOD, champion),
        { champion: { blockLength: 1 } },
        INFRA_OK,
      );
      assert.match(ciOf(explicit), /block 1\)$/);
    });

    it('refuses a holdout that overlaps the champion training window, with the reason', () => {
      const { champion, candidate } = pairedLosses(1000, 0.02, 8);
      const result = evaluateGate(evaluation(GOOD, candidate), evaluation(GOOD, champion), {}, INFRA_OK, {
        trainingWindow: { from: '2023-06-01T00:00:00.000Z', to: '2024-02-01T00:00:00.000Z' },
      });
      assert.equal(result.passed, false);
      const refused = result.checks.find((c) => c.name === 'champion.holdoutUnseen')!;
      assert.equal(refused.passed, false);
      assert.match(refused.detail, /overlaps the champion's training window .* comparison is refused/);
      assert.equal(
        result.checks.some((c) => c.name === 'champion.lossImprovementCi'),
        false,
      );
      const after = evaluateGate(evaluation(GOOD, candidate), evaluation(GOOD, champion), {}, INFRA_OK, {
        trainingWindow: { from: '2023-06-01T00:00:00.000Z', to: '2023-12-31T23:00:00.000Z' },
      });
      assert.equal(after.checks.find((c) => c.name === 'champion.holdoutUnseen')!.passed, true);
      assert.equal(after.passed, true, JSON.stringify(after.checks.filter((c) => !c.passed)));
    });

    it('says significantly worse, includes 0 or significantly better as the interval is', () => {
      const sentence = (edge: number, seed: number) => {
        const { champion, candidate } = pairedLosses(2000, edge, seed);
        return evaluateGate(
          evaluation(GOOD, candidate),
          evaluation(GOOD, champion),
          {},
          INFRA_OK,
        ).checks.find((c) => c.name === 'champion.lossImprovementCi')!.detail;
      };
      assert.match(sentence(-0.02, 9), /\[-[\d.e-]+, -[\d.e-]+\] excludes 0: significantly worse/);
      assert.match(sentence(0, 10), /includes 0 \(/);
      assert.match(sentence(0.02, 11), /excludes 0: significantly better/);
    });

    it('stops for futility when the upper bound is below the MDE', () => {
      const { champion, candidate } = pairedLosses(2000, 0.0005, 12);
      const result = evaluateGate(
        evaluation(GOOD, candidate),
        evaluation(GOOD, champion),
        { champion: { mde: 0.01 } },
        INFRA_OK,
      );
      const futility = result.checks.find((c) => c.name === 'champion.futility')!;
      assert.equal(futility.passed, false);
      assert.match(
        futility.detail,
        /^futile: even the interval's upper bound .* is below the minimum detectable improvement 0.01$/,
      );
      const strong = pairedLosses(2000, 0.02, 13);
      const ok = evaluateGate(
        evaluation(GOOD, strong.candidate),
        evaluation(GOOD, strong.champion),
        { champion: { mde: 0.01 } },
        INFRA_OK,
      );
      assert.equal(ok.checks.find((c) => c.name === 'champion.futility')!.passed, true);
      // An interval that straddles the MDE is not futile: only its upper bound decides.
      const near = pairedLosses(2000, 0.01, 15);
      const straddle = evaluateGate(
        evaluation(GOOD, near.candidate),
        evaluation(GOOD, near.champion),
        { champion: { mde: 0.01 } },
        INFRA_OK,
      );
      const ci = straddle.checks.find((c) => c.name === 'champion.lossImprovementCi')!;
      const check = straddle.checks.find((c) => c.name === 'champion.futility')!;
      assert.ok(ci.value! < 0.01 && check.value! > 0.01, `interval ${ci.detail}`);
      assert.equal(check.passed, true);
    });

    it('reports the interval at the level the decision uses', () => {
      const { champion, candidate } = pairedLosses(1000, 0.02, 14);
      const result = evaluateGate(
        evaluation(GOOD, candidate),
        evaluation(GOOD, champion),
        { champion: { confidence: 0.975 } },
        INFRA_OK,
      );
      assert.match(result.checks.find((c) => c.name === 'champion.lossImprovementCi')!.detail, /^97\.5% /);
    });
  });
});
