import assert from 'node:assert/strict';
import { DEMO_MODELS, DEMO_SETTINGS } from '../../../src/demo/demo-settings';
import { modelKindFor } from '../../../src/lifecycle/model-pipeline';
import { computeFeatures, FEATURE_SCHEMA, generateSyntheticMarket } from '../../../src/ml';
import { prepareTrainingData } from '../../../src/ml/training/train-and-evaluate';
import {
  calibrateTwoScales,
  detectTwoScaleDrift,
  fitReferenceProfile,
  type ReferenceProfile,
  type TwoScaleCalibration,
} from '../../../src/stats';
import { parseDuration } from '../../../src/util/duration';
import {
  applyDriftHysteresis,
  type DriftWindowVerdict,
} from '../../../src/workflows/supervisor/supervisor-state';
import { parseSupervisorPolicy } from '../../../src/policies/supervisor-policy';

// The demo's traffic through the drift check and the supervisor's hysteresis, without the stack:
// the same market as run-demo.ts (seeded, regime shift to mean-reverting at 2.5× volatility after
// barsBeforeShift live bars), champion v1's reference = its training rows (prepareTrainingData on
// the stored history, as trainModelVersion), one prediction per bar, a check every
// driftCheckInterval/tickMs bars on the last driftWindow/tickMs bars, with the demo's policy.
// test/integration/demo/demo-loop.test.ts shows the whole loop promoting on the real stack.
// With the previous calibrated check (blocks up to a quarter of the window, mean + 3σ, no short
// window) eth-demo's first request came at bar 5,499, before the shift at 6,000.
describe('the demo: first drift retraining comes after the regime shift', function () {
  this.timeout(120_000);
  const s = DEMO_SETTINGS;
  const policy = parseSupervisorPolicy(s.supervisorPolicy);
  const windowBars = parseDuration(policy.driftWindow) / s.tickMs;
  const everyBars = parseDuration(policy.driftCheckInterval) / s.tickMs;
  const shiftBar = s.historyBars + s.barsBeforeShift;

  for (const { model, seed } of DEMO_MODELS) {
    it(`${model}: no retraining request before the shift, one within 6 checks after it`, () => {
      const { bars } = generateSyntheticMarket({
        seed,
        bars: shiftBar + 6 * everyBars + windowBars,
        intervalMinutes: 60,
        switchProbability: 0,
        initialRegime: 'trending',
        regimeShift: { atBar: shiftBar, regime: 'mean-reverting', volatilityMultiplier: 2.5 },
      });
      const train = prepareTrainingData(
        bars.slice(0, s.historyBars),
        modelKindFor('logreg', 'prob_up'),
        {},
        {
          holdoutFraction: 0.2,
          gap: 1,
        },
      ).train.x;
      const names = FEATURE_SCHEMA.names;
      const reference: Record<string, Float64Array> = {};
      const profiles: Record<string, ReferenceProfile> = {};
      names.forEach((n, j) => {
        reference[n] = Float64Array.from({ length: train.rows }, (_, i) => train.data[i * train.cols + j]!);
        profiles[n] = fitReferenceProfile(reference[n]!);
      });
      // rows[k] belongs to bar k + 20 (feature warm-up); live predictions start at bar historyBars.
      const rows = computeFeatures(bars).rows;
      const barOf = (k: number) => rows[k]!.barIndex;
      const first = rows.findIndex((r) => r.barIndex === s.historyBars);
      const calibrations = new Map<number, TwoScaleCalibration>();
      const sharePolicy = { share: policy.driftShare, minRows: Math.min(policy.minDriftSamples, 30) };
      let history: DriftWindowVerdict[] = [];
      let firstRequest: number | null = null;
      let checksAfterShift = 0;
      for (let end = first + everyBars; end <= rows.length && checksAfterShift <= 6; end += everyBars) {
        const from = Math.max(first, end - windowBars);
        const n = end - from;
        if (n < policy.minDriftSamples) continue;
        if (barOf(end - 1) >= shiftBar) checksAfterShift++;
        let cal = calibrations.get(n);
        if (!cal) {
          cal = calibrateTwoScales(profiles, reference, { windowRows: n, policy: sharePolicy });
          calibrations.set(n, cal);
        }
        const window = Object.fromEntries(
          names.map((name, j) => [name, Float64Array.from(rows.slice(from, end), (r) => r.values[j]!)]),
        );
        const drifted = detectTwoScaleDrift(profiles, window, sharePolicy, cal).drifted;
        const step = applyDriftHysteresis(
          history,
          { drifted, from: barOf(from), to: barOf(end - 1) + 1 },
          policy.hysteresis,
        );
        history = step.history;
        if (step.fire && firstRequest === null) firstRequest = barOf(end - 1);
      }
      assert.ok(firstRequest !== null, `${model}: no retraining request within 6 checks of the shift`);
      assert.ok(
        firstRequest >= shiftBar,
        `${model}: first retraining request at bar ${firstRequest}, before the shift at ${shiftBar}`,
      );
    });
  }
});
