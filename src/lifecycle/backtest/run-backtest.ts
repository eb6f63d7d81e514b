import { z } from 'zod';
import { MlInputError, type InfraCheckInput, type OhlcvBar, type PredictionTarget } from '../../ml';
import { measureOnnxInfra } from '../../ml/onnx/onnx-scorer';
import { strategySchema, type Strategy } from '../../routing/service/signal/strategy-config';
import type { SupervisorPolicy } from '../../policies/supervisor-policy';
import { modelKindFor, taskOf, type TrainerName } from '../model-pipeline';
import { knownAt, prepareBacktestMarket, type BacktestMarket } from './backtest-market';
import { backtestPolicy, parseBaseline } from './backtest-policy';
import { gateCandidate, scoreOf, trainVersion, type BacktestVersion } from './backtest-versions';
import {
  degradationIncidents,
  type DegradationIncident,
  type IncidentOptions,
} from './degradation-incidents';
import {
  failedChecks,
  StrategyWalk,
  type DriftPoint,
  type TimelineEvent,
  type WalkContext,
  type WalkResult,
} from './strategy-walk';
import { tradingFigures, yearRanges, type TradingFigures } from './trading-summary';

/** What a backtest is asked to do (the CLI and the backtest activity build it). */
export const backtestOptionsSchema = z
  .object({
    model: z.string().min(1).default('backtest'),
    symbol: z.string().min(1),
    timeframe: z.string().min(1),
    target: z.enum(['prob_up', 'price_change_pct']).default('prob_up'),
    trainer: z.enum(['logreg', 'gbdt']).default('logreg'),
    /** A supervisor policy patch over the backtest's defaults (see backtestPolicy). */
    policy: z.unknown().optional(),
    /** The gate policy (the model's gate_policy); absent: the gate's defaults. */
    gatePolicy: z.unknown().optional(),
    /** The strategy arbitrator's strategy; absent: a symmetric one around ½ (or 0 for changes). */
    signal: z.unknown().optional(),
    baselines: z.array(z.string()).default(['never', 'every:30d']),
    /** Bars the first version is trained on. @default min(retrain.windowBars, ¼ of the bars), ≥ 300 */
    initialBars: z.number().int().min(100).optional(),
    costPerSignal: z.number().min(0).default(0),
    /**
     * The gate's infra input. Absent: measured on the first version's artifact (the lowest p99 of
     * three rounds, see measureRunInfra). A resumed run passes the first attempt's measurement.
     */
    infra: z
      .object({ loaded: z.boolean(), p99LatencyMs: z.number().optional(), error: z.string().optional() })
      .optional(),
    incidents: z
      .object({
        rollingBars: z.number().int().min(5).default(60),
        minBars: z.number().int().min(1).default(20),
        margin: z.number().min(0).default(0.005),
        /** The fresh reference model is retrained every this many bars. @default retrain.windowBars / 20 */
        freshEvery: z.number().int().min(1).optional(),
      })
      .prefault({}),
    /** Equity and drift series are thinned to at most this many points. @default 1500 */
    maxPoints: z.number().int().min(10).default(1500),
  })
  .strict();

export type BacktestOptions = z.input<typeof backtestOptionsSchema>;

/** One strategy's results, as `--json` prints them. */
export interface StrategyReport {
  name: string;
  counts: WalkResult['counts'];
  overall: TradingFigures;
  perYear: Array<TradingFigures & { year: number }>;
  incidents: {
    count: number;
    /** Days of bar time spent in incidents: on a champion worse than a coin flip or a fresh model. */
    staleDays: number;
    endedByPromotion: number;
    list: DegradationIncident[];
  };
  improvementCycle: {
    count: number;
    meanDays: number | null;
    medianDays: number | null;
    medianBars: number | null;
  };
  championVersions: number;
  timeline: TimelineEvent[];
  /** Cumulative P&L at `equityAt`. */
  equity: number[];
  drift?: { checks: number; decided: number; drifted: number; series: DriftPoint[] };
}

export interface BacktestReport {
  symbol: string;
  timeframe: string;
  target: PredictionTarget;
  trainer: TrainerName;
  bars: number;
  barMs: number;
  from: string;
  to: string;
  traded: { from: string; to: string; bars: number };
  policy: SupervisorPolicy;
  initialVersion: {
    trainedOn: { from: string; to: string; bars: number };
    gatePassed: boolean;
    failedChecks: string[];
    note: string;
  };
  incidentOptions: IncidentOptions & { freshEvery: number };
  strategies: StrategyReport[];
  equityAt: string[];
}

/** Progress of a run: bars walked over all strategies. */
export interface BacktestProgress {
  done: number;
  total: number;
  stage: string;
}

const DEFAULT_SIGNALS: Record<PredictionTarget, unknown> = {
  prob_up: {
    id: 'backtest',
    interpretation: 'prob_up',
    buyThreshold: 0.55,
    sellThreshold: 0.45,
    stopLossPct: 0.02,
  },
  price_change_pct: {
    id: 'backtest',
    interpretation: 'price_change_pct',
    buyThresholdPct: 0.002,
    sellThresholdPct: -0.002,
    stopLossPct: 0.02,
  },
};

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MlInputError(`${what}.${issue.path.join('.') || '(root)'}`, issue.message);
  }
  return parsed.data;
}

/** The part of a run every strategy shares, prepared once. */
export interface PreparedBacktest {
  options: z.output<typeof backtestOptionsSchema>;
  market: BacktestMarket;
  policy: SupervisorPolicy;
  ctx: WalkContext;
  fresh: Float64Array;
  freshEvery: number;
  initialGate: { passed: boolean; failed: string[] };
  strategies: Array<{ name: string; spec: ConstructorParameters<typeof StrategyWalk>[1] }>;
  equityIndex: number[];
}

/**
 * Prepares a backtest: features of all bars, the first version trained on the initial window as
 * `models train` trains it (it is the starting champion whether or not it passes the gate's floors),
 * the infra measurement of the gate, and the fresh reference model the incidents are measured against.
 */
export async function prepareBacktest(
  bars: readonly OhlcvBar[],
  input: BacktestOptions,
  onProgress?: (p: BacktestProgress) => void,
): Promise<PreparedBacktest> {
  const options = parseOrThrow(backtestOptionsSchema, input, 'backtest');
  const kind = modelKindFor(options.trainer, options.target);
  const market = prepareBacktestMarket(bars, options.target);
  let policy: SupervisorPolicy;
  try {
    // --trainer trains the retrainings too, unless the policy file names its own retrain.trainer.
    const patch = (options.policy ?? {}) as { retrain?: object };
    policy = backtestPolicy(market.barMs, {
      ...patch,
      retrain: { trainer: options.trainer, ...patch.retrain },
    });
  } catch (error) {
    // `policy.cooldown: expected a duration …`
    throw new MlInputError('policy', (error as Error).message);
  }
  const windowBars = policy.retrain.windowBars;
  const initialBars = options.initialBars ?? Math.max(300, Math.min(windowBars, Math.floor(bars.length / 4)));
  if (initialBars + 50 > bars.length)
    throw new MlInputError(
      'bars',
      `${bars.length} bars leave too few to trade after an initial window of ${initialBars} (need at least ${initialBars + 50})`,
    );
  const signal: Strategy = parseOrThrow(
    strategySchema,
    options.signal ?? DEFAULT_SIGNALS[options.target],
    'signal',
  );
  const strategies: PreparedBacktest['strategies'] = [{ name: 'policy', spec: { kind: 'policy', policy } }];
  for (const text of options.baselines) {
    let spec;
    try {
      spec = parseBaseline(text);
    } catch (error) {
      throw new MlInputError('baseline', (error as Error).message);
    }
    if (!strategies.some((s) => s.name === text)) strategies.push({ name: text, spec });
  }

  const startBar = initialBars; // the first version was trained on bars [0, initialBars − 1]
  const endBar = bars.length - 2; // the last bar's move is unknown
  const first = trainVersion(market, kind, 1, 0, startBar - 1, 'train-rows');
  const infra: InfraCheckInput =
    options.infra ?? (await measureRunInfra(first.onnx, taskOf(kind), first.data.holdout.x));
  const initialGate = gateCandidate(first.version, first.data, undefined, options.gatePolicy, kind, infra);
  const trained = new Map<string, ReturnType<typeof trainVersion>>();
  const ctx: WalkContext = {
    market,
    model: options.model,
    kind,
    windowBars,
    gatePolicy: options.gatePolicy,
    infra,
    signal,
    costPerSignal: options.costPerSignal,
    startBar,
    endBar,
    initial: first.version,
    trained,
  };

  // The fresh reference: retrained every `freshEvery` bars on the trailing window, no gate; each one
  // scores the bars until the next, so it too sees no bar it was trained on.
  const freshEvery = options.incidents.freshEvery ?? Math.max(1, Math.round(windowBars / 20));
  const fresh = new Float64Array(bars.length).fill(Number.NaN);
  let model: BacktestVersion = first.version;
  for (let t = startBar; t <= endBar; t++) {
    if ((t - startBar) % freshEvery === 0 && t > startBar) {
      const from = Math.max(0, t - 1 - windowBars + 1);
      const key = `${kind}:${from}:${t - 1}`;
      let reused = trained.get(key);
      try {
        reused ??= trainVersion(market, kind, 0, from, t - 1, 'data-window');
        trained.set(key, reused);
        model = reused.version;
      } catch (error) {
        // A window the trainer refuses keeps the previous fresh model.
        if (!(error instanceof MlInputError)) throw error;
      }
      onProgress?.({ done: 0, total: 1, stage: `fresh reference ${t - startBar}/${endBar - startBar}` });
    }
    fresh[t] = scoreOf(market, model, t);
  }
  const points = endBar - startBar + 1;
  const step = Math.max(1, Math.ceil(points / options.maxPoints));
  const equityIndex: number[] = [];
  for (let t = startBar; t <= endBar; t += step) equityIndex.push(t);
  if (equityIndex.at(-1) !== endBar) equityIndex.push(endBar);
  return {
    options,
    market,
    policy,
    ctx,
    fresh,
    freshEvery,
    initialGate: { passed: initialGate.passed, failed: failedChecks(initialGate) },
    strategies,
    equityIndex,
  };
}

/**
 * The gate's infra check for the whole run, measured once: every artifact of a run is of the same
 * kind and size, and its latency is a property of the serving machine, not of the bars. The lowest
 * p99 of three rounds, so that another process's burst on a shared machine does not decide a
 * backtest (the live gate measures each candidate when it is trained).
 */
export async function measureRunInfra(
  onnx: Uint8Array,
  task: 'classification' | 'regression',
  rows: { rows: number; cols: number; data: Float64Array },
): Promise<InfraCheckInput> {
  let best: InfraCheckInput | undefined;
  for (let round = 0; round < 3; round++) {
    const m = await measureOnnxInfra(onnx, task, rows, { runs: 100, warmup: 10 });
    if (!m.loaded) return { loaded: false, ...(m.error ? { error: m.error } : {}) };
    if (!best || (m.p99LatencyMs ?? Infinity) < (best.p99LatencyMs ?? Infinity))
      best = { loaded: true, ...(m.p99LatencyMs !== undefined ? { p99LatencyMs: m.p99LatencyMs } : {}) };
  }
  return best!;
}

/** Walks one strategy (its per-bar series and decisions, before they are summarised). */
export function walkStrategy(
  prepared: PreparedBacktest,
  index: number,
  options: { onBar?: (bar: number) => void; recordSupervisorCalls?: boolean } = {},
): WalkResult {
  const { name, spec } = prepared.strategies[index]!;
  return new StrategyWalk({ ...prepared.ctx, ...options }, spec, name).run();
}

/** {@link walkStrategy} yielding to the event loop as it goes (the backtest activity heartbeats). */
export function walkStrategyAsync(
  prepared: PreparedBacktest,
  index: number,
  options: { onChunk?: (bar: number) => void; signal?: AbortSignal } = {},
): Promise<WalkResult> {
  const { name, spec } = prepared.strategies[index]!;
  return new StrategyWalk(prepared.ctx, spec, name).runAsync(options);
}

/** One walked strategy as the report shows it. */
export function summariseWalk(prepared: PreparedBacktest, walk: WalkResult): StrategyReport {
  return summarise(prepared, walk, prepared.options.incidents);
}

/** Walks one strategy and summarises it. */
export function runStrategy(
  prepared: PreparedBacktest,
  index: number,
  onBar?: (bar: number) => void,
): StrategyReport {
  return summarise(
    prepared,
    walkStrategy(prepared, index, onBar ? { onBar } : {}),
    prepared.options.incidents,
  );
}

function summarise(
  prepared: PreparedBacktest,
  r: WalkResult,
  incidentOptions: IncidentOptions,
): StrategyReport {
  const { market, ctx } = prepared;
  const { startBar, endBar } = ctx;
  const overall = tradingFigures(market, r.served, r.pnl, r.signal, startBar, endBar);
  const perYear = yearRanges(market, startBar, endBar).map((y) => ({
    year: y.year,
    ...tradingFigures(market, r.served, r.pnl, r.signal, y.first, y.last),
  }));
  const { incidents } = degradationIncidents(
    market,
    r.champion,
    prepared.fresh,
    startBar,
    endBar,
    r.promotionsAtBar,
    incidentOptions,
  );
  const cycles = incidents.filter((i) => i.cycleDays !== null);
  const sortedDays = cycles.map((i) => i.cycleDays!).sort((a, b) => a - b);
  const sortedBars = cycles.map((i) => i.cycleBars!).sort((a, b) => a - b);
  const median = (xs: number[]) =>
    xs.length === 0
      ? null
      : xs.length % 2
        ? xs[(xs.length - 1) / 2]!
        : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
  let cum = 0;
  const cumulative = new Float64Array(market.bars.length);
  for (let t = startBar; t <= endBar; t++) cumulative[t] = cum += r.pnl[t]!;
  const versions = new Set<number>();
  for (let t = startBar; t <= endBar; t++) versions.add(r.championVersion[t]!);
  const thin = (series: DriftPoint[]) => {
    const step = Math.max(1, Math.ceil(series.length / prepared.options.maxPoints));
    // Every step-th check, and the first check of each drifted stretch (so no episode is lost).
    return series.filter((p, i) => i % step === 0 || (p.drifted === true && series[i - 1]?.drifted !== true));
  };
  return {
    name: r.name,
    counts: r.counts,
    overall,
    perYear,
    incidents: {
      count: incidents.length,
      staleDays: incidents.reduce((s, i) => s + i.days, 0),
      endedByPromotion: cycles.length,
      list: incidents,
    },
    improvementCycle: {
      count: cycles.length,
      meanDays: cycles.length ? sortedDays.reduce((s, d) => s + d, 0) / cycles.length : null,
      medianDays: median(sortedDays),
      medianBars: median(sortedBars),
    },
    championVersions: versions.size,
    timeline: r.timeline,
    equity: prepared.equityIndex.map((t) => cumulative[t]!),
    ...(r.drift.length || r.name === 'policy'
      ? {
          drift: {
            checks: r.counts.driftChecks,
            decided: r.counts.driftChecksDecided,
            drifted: r.counts.driftedChecks,
            series: thin(r.drift),
          },
        }
      : {}),
  };
}

/** The report of a prepared run once every strategy has been walked. */
export function assembleReport(prepared: PreparedBacktest, strategies: StrategyReport[]): BacktestReport {
  const { market, ctx, options } = prepared;
  const iso = (ms: number) => new Date(ms).toISOString();
  const initialFirst = market.times[0]!;
  return {
    symbol: options.symbol,
    timeframe: options.timeframe,
    target: options.target,
    trainer: options.trainer,
    bars: market.bars.length,
    barMs: market.barMs,
    from: iso(initialFirst),
    to: iso(market.times[market.bars.length - 1]!),
    traded: {
      from: iso(market.times[ctx.startBar]!),
      to: iso(market.times[ctx.endBar]!),
      bars: ctx.endBar - ctx.startBar + 1,
    },
    policy: prepared.policy,
    initialVersion: {
      trainedOn: {
        from: iso(initialFirst),
        to: iso(knownAt(market, ctx.startBar - 1) - market.barMs),
        bars: ctx.startBar,
      },
      gatePassed: prepared.initialGate.passed,
      failedChecks: prepared.initialGate.failed,
      note: prepared.initialGate.passed
        ? 'the first version passed the gate and is the starting champion'
        : 'the first version failed the gate but is the starting champion all the same (there is nothing to fall back to); later versions must pass the gate',
    },
    incidentOptions: {
      rollingBars: options.incidents.rollingBars,
      minBars: options.incidents.minBars,
      margin: options.incidents.margin,
      freshEvery: prepared.freshEvery,
    },
    strategies,
    equityAt: prepared.equityIndex.map((t) => iso(market.times[t]!)),
  };
}

/** A whole backtest in process: prepare, walk the policy and every baseline, report. */
export async function runBacktest(
  bars: readonly OhlcvBar[],
  input: BacktestOptions,
  onProgress?: (p: BacktestProgress) => void,
): Promise<BacktestReport> {
  const prepared = await prepareBacktest(bars, input, onProgress);
  const perStrategy = prepared.ctx.endBar - prepared.ctx.startBar + 1;
  const total = perStrategy * prepared.strategies.length;
  const reports: StrategyReport[] = [];
  for (let i = 0; i < prepared.strategies.length; i++) {
    const name = prepared.strategies[i]!.name;
    reports.push(
      runStrategy(prepared, i, (bar) => {
        if ((bar - prepared.ctx.startBar) % 250 === 0)
          onProgress?.({ done: i * perStrategy + bar - prepared.ctx.startBar, total, stage: name });
      }),
    );
  }
  onProgress?.({ done: total, total, stage: 'done' });
  return assembleReport(prepared, reports);
}
