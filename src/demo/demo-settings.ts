import type { SupervisorPolicyInput } from '../policies/supervisor-policy';

/** The two demo models, each on its own synthetic market. */
export const DEMO_MODELS = [
  { model: 'btc-demo', symbol: 'BTC-SIM', seed: 3 },
  { model: 'eth-demo', symbol: 'ETH-SIM', seed: 5 },
] as const;

export interface DemoSettings {
  /** Bars of history stored before the demo starts; champions train on them. */
  historyBars: number;
  /** Live bars played before the market changes regime. */
  barsBeforeShift: number;
  /** Wall-clock time between two live bars (one prediction per model per bar). */
  tickMs: number;
  /** Accounts the simulated engine trades for: the units of hash allocation. */
  units: number;
  supervisorPolicy: SupervisorPolicyInput;
  /** Gate the demo models are registered with. */
  gatePolicy: unknown;
}

/**
 * Timings a person can watch: the regime shifts after about two minutes of live traffic, drift is
 * confirmed by two drifted disjoint windows, and the challenger's experiment is decided a few
 * minutes later. A retraining that comes too early to beat the champion is rejected and retried
 * after the cooldown. Hysteresis counts disjoint windows only, so the window is short (40 s, two
 * checks apart) and two drifted windows of the last three confirm the drift about 80 s after the shift.
 */
export const DEMO_SETTINGS: DemoSettings = {
  historyBars: 3000,
  barsBeforeShift: 3000,
  tickMs: 40,
  units: 500,
  supervisorPolicy: {
    driftCheckInterval: '20s',
    driftWindow: '40s',
    minDriftSamples: 300,
    hysteresis: { breaches: 2, window: 3 },
    cooldown: '2m',
    maxRetrainsPerDay: 6,
    retrain: { trainer: 'logreg', windowBars: 1500 },
    challengerTraffic: 0.5,
    experiment: {
      analysisInterval: '10s',
      minSamplesPerVariant: 400,
      maxSamplesPerVariant: 50_000,
      maxDuration: '30m',
    },
  },
  // The demo's calibration floors are relaxed: a model retrained on a fresh regime beats the old
  // champion clearly long before it is well calibrated.
  gatePolicy: { floors: [{ metric: 'auc', min: 0.52 }], infra: { maxP99LatencyMs: 50 } },
};
