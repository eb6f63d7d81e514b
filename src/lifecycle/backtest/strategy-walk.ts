import { MlInputError, type GateResult, type InfraCheckInput, type ModelKind } from '../../ml';
import { proposeTradeSignal } from '../../routing/service/signal/propose-trade-signal';
import type { Strategy } from '../../routing/service/signal/strategy-config';
import type { BarOutcomes } from '../../stats';
import { parseDuration } from '../../util/duration';
import { decideExperiment } from '../../workflows/experiment/experiment-decision';
import type { ExperimentPolicy } from '../../policies/experiment-policy';
import type { SupervisorPolicy } from '../../policies/supervisor-policy';
import { SupervisorState, unitHash } from '../../workflows/supervisor/supervisor-state';
import type {
  Decision,
  DriftCheckSummary,
  RetrainingOutcome,
  RetrainingTrigger,
} from '../../workflows/supervisor/supervisor-types';
import { analyseArms, pairedComparisonOf, type ArmAggregates, type PeriodAggregates } from '../analyse-arms';
import {
  assessFeatureDrift,
  assessPerformance,
  driftPolicyOf,
  performanceMethodOf,
  undecidedDriftCheck,
} from '../drift-check-core';
import { knownAt, type BacktestMarket } from './backtest-market';
import type { BaselineSpec } from './backtest-policy';
import {
  calibrationOf,
  gateCandidate,
  scoreOf,
  trainVersion,
  type BacktestVersion,
} from './backtest-versions';

/** What every strategy of one backtest shares: the bars, the first version, the trainer, the gate. */
export interface WalkContext {
  market: BacktestMarket;
  model: string;
  kind: ModelKind;
  windowBars: number;
  gatePolicy: unknown;
  infra: InfraCheckInput;
  signal: Strategy;
  costPerSignal: number;
  /** First bar traded (the first version was trained at its close… of the bar before). */
  startBar: number;
  /** Last bar traded (its move is read from the bar after it). */
  endBar: number;
  initial: BacktestVersion;
  /** Trained models by window, shared by the strategies (the same window trains the same model). */
  trained: Map<string, ReturnType<typeof trainVersion>>;
  onBar?: (bar: number) => void;
  /** Keep every call made on the supervisor state (tests replay them into a state of their own). */
  recordSupervisorCalls?: boolean;
}

/** One call the walk made on its SupervisorState, in order. */
export type SupervisorCall =
  | { call: 'recordDriftCheck'; summary: DriftCheckSummary }
  | { call: 'nextToStart'; now: number }
  | {
      call: 'started';
      job: { jobNumber: number; workflowId: string; trigger: RetrainingTrigger; startedAt: number };
    }
  | { call: 'finished'; outcome: RetrainingOutcome; now: number };

/** One entry of a strategy's timeline. */
export interface TimelineEvent {
  at: string;
  bar: number;
  kind:
    | 'champion'
    | 'retraining-started'
    | 'retraining-failed'
    | 'gate-rejected'
    | 'experiment-started'
    | 'experiment-ended'
    | 'promoted'
    | 'rolled-back'
    | 'supervisor';
  detail: string;
  version?: number;
}

/** One drift check of the policy, for the timeline and the drift chart. */
export interface DriftPoint {
  at: string;
  bar: number;
  status: DriftCheckSummary['status'];
  drifted: boolean | null;
  share: number;
  sampleSize: number;
  performanceDegraded: boolean;
}

/** What a walk leaves behind: per-bar series for the summaries, and counts of its decisions. */
export interface WalkResult {
  name: string;
  /** Prediction served at each traded bar, and the champion's own score there. */
  served: Float64Array;
  champion: Float64Array;
  /** Version number of the champion at each bar. */
  championVersion: Int32Array;
  /** P&L of the bar's signal (0 without one), booked at the bar it was opened. */
  pnl: Float64Array;
  signal: Int8Array;
  counts: {
    retrainingsRequested: number;
    retrainingsStarted: number;
    coalesced: number;
    skippedForBudget: number;
    gateRejections: number;
    /** Retrainings whose training failed for good (as a job's activity would fail). */
    failedRetrainings: number;
    experiments: number;
    promotions: number;
    rollbacks: number;
    alarms: number;
    alarmsLedNowhere: number;
    driftChecks: number;
    driftChecksDecided: number;
    driftedChecks: number;
  };
  promotionsAtBar: number[];
  timeline: TimelineEvent[];
  drift: DriftPoint[];
  /** Supervisor-state transitions (policy only): every decision it took, in order. */
  decisions: Decision[];
  supervisorCalls?: SupervisorCall[];
}

interface ArmSums {
  agg: ArmAggregates;
  cum: number;
  peak: number;
}

interface RunningExperiment {
  workflowId: string;
  candidate: BacktestVersion;
  candidateNumber: number;
  policy: ExperimentPolicy;
  weight: number;
  startedAt: number;
  deadline: number;
  nextLookAt: number;
  held: boolean;
  previousPValues: Record<string, number>;
  arms: { control: ArmSums; challenger: ArmSums };
  periods: Map<number, PeriodAggregates>;
  paired: Array<{ label: number | null; champion: number; challenger: number; marketReturn: number | null }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function armSums(variant: string, isControl: boolean, weight: number): ArmSums {
  return {
    agg: {
      variant,
      isControl,
      weight,
      assignments: 0,
      labelled: 0,
      correct: 0,
      returnsN: 0,
      returnSum: 0,
      returnSumSq: 0,
      maxDrawdown: 0,
    },
    cum: 0,
    peak: 0,
  };
}

/**
 * Walks one strategy through the bars in bar time. At bar t (known at its close): the outcome of
 * bar t − 1 is reported, the experiment looks if a look is due, the supervisor checks drift if a
 * check is due and starts a retraining if one may start, then the champion (or the arm the split
 * gives the bar) scores bar t and the strategy arbitrator turns the score into a signal traded
 * over the next bar. Every decision is taken by the code the workflows run: SupervisorState, the
 * drift-check core, evaluateGate, analyseArms and decideExperiment.
 */
export class StrategyWalk {
  private champion: BacktestVersion;
  private championNumber = 1;
  private nextNumber = 2;
  private readonly state: SupervisorState | undefined;
  private experiment: RunningExperiment | undefined;
  private nextScheduledAt = Infinity;
  private championSince: number;
  private seenDecisions: Decision[] = [];
  private pendingAlarms = 0;
  /** A request is pending in the supervisor (seen from its decisions). */
  private pending = false;
  private jobAlarms = 0;
  /** Version of the served prediction of each bar (0: none). */
  private readonly servedBy: Int32Array;
  private readonly result: WalkResult;

  constructor(
    private readonly ctx: WalkContext,
    readonly spec: { kind: 'policy'; policy: SupervisorPolicy } | BaselineSpec,
    name: string,
  ) {
    const n = ctx.market.bars.length;
    this.champion = ctx.initial;
    this.championSince = knownAt(ctx.market, ctx.startBar - 1);
    this.servedBy = new Int32Array(n);
    this.result = {
      name,
      served: new Float64Array(n).fill(Number.NaN),
      champion: new Float64Array(n).fill(Number.NaN),
      championVersion: new Int32Array(n),
      pnl: new Float64Array(n),
      signal: new Int8Array(n),
      counts: {
        retrainingsRequested: 0,
        retrainingsStarted: 0,
        coalesced: 0,
        skippedForBudget: 0,
        gateRejections: 0,
        failedRetrainings: 0,
        experiments: 0,
        promotions: 0,
        rollbacks: 0,
        alarms: 0,
        alarmsLedNowhere: 0,
        driftChecks: 0,
        driftChecksDecided: 0,
        driftedChecks: 0,
      },
      promotionsAtBar: [],
      timeline: [],
      drift: [],
      decisions: [],
      ...(ctx.recordSupervisorCalls ? { supervisorCalls: [] } : {}),
    };
    const start = knownAt(ctx.market, ctx.startBar - 1);
    if (spec.kind === 'policy') {
      // The behaviour of supervisors started under the current code (every patch taken).
      this.state = SupervisorState.initial(ctx.model, spec.policy, start, 1, {
        reconcile: true,
        jitter: true,
      });
      this.collectDecisions();
    } else if (spec.kind === 'every') {
      this.nextScheduledAt = start + spec.everyMs;
    }
  }

  run(): WalkResult {
    const { startBar, endBar } = this.ctx;
    for (let t = startBar; t <= endBar; t++) this.step(t);
    return this.finish();
  }

  /**
   * The same walk, giving the event loop back every `chunkBars` bars (an activity's heartbeats and
   * cancellation get through) and calling `onChunk` there; stops with an error once `signal` aborts.
   */
  async runAsync(options: {
    chunkBars?: number;
    onChunk?: (bar: number) => void;
    signal?: AbortSignal;
  }): Promise<WalkResult> {
    const { startBar, endBar } = this.ctx;
    const chunk = options.chunkBars ?? 200;
    for (let t = startBar; t <= endBar; t++) {
      this.step(t);
      if ((t - startBar) % chunk === chunk - 1) {
        options.onChunk?.(t);
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) throw new Error('backtest cancelled');
      }
    }
    return this.finish();
  }

  private finish(): WalkResult {
    // Alarms still waiting when the bars run out led nowhere within the backtest.
    this.result.counts.alarmsLedNowhere += this.pendingAlarms + this.jobAlarms;
    return this.result;
  }

  private step(t: number): void {
    const market = this.ctx.market;
    const now = knownAt(market, t);
    this.reportOutcome(t - 1);
    if (this.experiment && now >= this.experiment.nextLookAt) this.look(t, now);
    if (this.state) {
      if (now >= this.state.nextDriftCheckAt) this.checkDrift(t, now);
      this.startIfDue(t, now);
    } else if (now >= this.nextScheduledAt) {
      const every = (this.spec as { everyMs: number }).everyMs;
      while (this.nextScheduledAt <= now) this.nextScheduledAt += every;
      this.scheduledRetraining(t, now);
    }
    this.serve(t);
    this.ctx.onBar?.(t);
  }

  // --- serving and outcomes -------------------------------------------------------------------

  private serve(t: number): void {
    const { market } = this.ctx;
    const r = this.result;
    const championScore = scoreOf(market, this.champion, t);
    let served = championScore;
    let servedVersion = this.championNumber;
    const e = this.experiment;
    if (e && !e.held) {
      // A split per bar: with one symbol there is one unit, so a sticky (hash) split would give the
      // whole stream to one arm. The bar's own hash decides, as the `random` strategy does.
      const challenger = unitHash(`${e.workflowId}:${t}`) < e.weight;
      const challengerScore = scoreOf(market, e.candidate, t);
      if (challenger) {
        served = challengerScore;
        servedVersion = e.candidateNumber;
      }
      (challenger ? e.arms.challenger : e.arms.control).agg.assignments++;
    }
    r.served[t] = served;
    r.champion[t] = championScore;
    r.championVersion[t] = this.championNumber;
    this.servedBy[t] = servedVersion;
    const decision = proposeTradeSignal(this.ctx.signal, {
      prediction: served,
      price: market.bars[t]!.close,
      features: this.ctx.signal.confirmationRules.length ? this.featureMap(t) : {},
    });
    if (decision.status === 'proposed') {
      const side = decision.proposal.side === 'BUY' ? 1 : -1;
      r.signal[t] = side;
      r.pnl[t] = side * market.change[t]! - this.ctx.costPerSignal;
    }
  }

  private featureMap(t: number): Record<string, number> {
    const { market } = this.ctx;
    return Object.fromEntries(market.schema.names.map((n, j) => [n, market.features[t * market.cols + j]!]));
  }

  /** What the engine reports for a served prediction once the next bar is known. */
  private outcomeOf(j: number): { correct: boolean; tradeReturn: number; up: boolean } {
    const p = this.result.served[j]!;
    const change = this.ctx.market.change[j]!;
    const predictedUp = this.ctx.market.target === 'prob_up' ? p >= 0.5 : p > 0;
    return {
      correct: predictedUp === change > 0,
      tradeReturn: (predictedUp ? 1 : -1) * change,
      up: change > 0,
    };
  }

  private reportOutcome(j: number): void {
    const e = this.experiment;
    if (!e || j < 0 || Number.isNaN(this.result.served[j]!) || e.held) return;
    const by = this.servedBy[j]!;
    if (by !== e.candidateNumber && by !== this.championNumber) return;
    if (knownAt(this.ctx.market, j) < e.startedAt) return;
    const o = this.outcomeOf(j);
    const variant = by === e.candidateNumber ? 'challenger' : 'control';
    const arm = e.arms[variant];
    arm.agg.labelled++;
    if (o.correct) arm.agg.correct++;
    arm.agg.returnsN++;
    arm.agg.returnSum += o.tradeReturn;
    arm.agg.returnSumSq += o.tradeReturn * o.tradeReturn;
    arm.cum += o.tradeReturn;
    arm.peak = Math.max(arm.peak, arm.cum);
    arm.agg.maxDrawdown = Math.max(arm.agg.maxDrawdown, arm.peak - arm.cum);
    const periodMs = parseDuration(e.policy.analysisPeriod);
    const at = knownAt(this.ctx.market, j);
    const start = Math.floor(at / periodMs) * periodMs;
    const period = e.periods.get(start) ?? { start, arms: {} };
    e.periods.set(start, period);
    const sums = (period.arms[variant] ??= {
      decisions: 0,
      labelled: 0,
      correct: 0,
      returnsN: 0,
      returnSum: 0,
    });
    sums.decisions = (sums.decisions ?? 0) + 1;
    sums.labelled++;
    if (o.correct) sums.correct++;
    sums.returnsN++;
    sums.returnSum += o.tradeReturn;
    // The shadow twin: the other version scored the same bar.
    const championScore = this.result.champion[j]!;
    const challengerScore = scoreOf(this.ctx.market, e.candidate, j);
    const served = this.result.served[j]!;
    e.paired.push({
      label: o.up ? 1 : 0,
      champion: championScore,
      challenger: challengerScore,
      marketReturn: served === 0.5 ? null : this.ctx.market.change[j]!,
    });
  }

  // --- the supervisor -------------------------------------------------------------------------

  private collectDecisions(): void {
    const decisions = this.state!.snapshot().decisions;
    const prev = this.seenDecisions;
    // The state keeps its newest 30 decisions, and a decision that repeats the last one only moves
    // its time: the new ones are what follows the longest tail of what was seen before.
    const same = (a: Decision, b: Decision) => a.kind === b.kind && a.detail === b.detail;
    let from = 0;
    for (let s = 0; s < prev.length; s++) {
      const tail = prev.length - s;
      if (tail > decisions.length) continue;
      let ok = true;
      for (let i = 0; i < tail && ok; i++) {
        const a = prev[s + i]!;
        const b = decisions[i]!;
        ok = same(a, b) && (a.at === b.at || i === tail - 1);
      }
      if (ok) {
        from = tail;
        // The last seen decision may have been repeated since: keep its newest time.
        const recorded = this.result.decisions.at(-1);
        if (recorded && same(recorded, decisions[tail - 1]!)) recorded.at = decisions[tail - 1]!.at;
        break;
      }
    }
    this.seenDecisions = decisions;
    for (const d of decisions.slice(from)) {
      this.result.decisions.push({ ...d });
      if (d.kind !== 'drift-check' && d.kind !== 'coalesced')
        this.event(this.barAt(d.at), 'supervisor', `${d.kind}: ${d.detail}`);
      const c = this.result.counts;
      if (d.kind === 'requested') {
        c.retrainingsRequested++;
        this.pending = true;
        // An alarm is a request the supervisor took up; one merged into a pending or running
        // request is the same alarm raised again, and leads where that request leads.
        if (/^(drift|performance):/.test(d.detail)) {
          c.alarms++;
          this.pendingAlarms++;
        }
      }
      if (d.kind === 'coalesced') c.coalesced++;
      if (d.kind === 'skipped') {
        c.skippedForBudget++;
        c.alarmsLedNowhere += this.pendingAlarms;
        this.pendingAlarms = 0;
        this.pending = false;
      }
    }
  }

  private barAt(ms: number): number {
    const times = this.ctx.market.times;
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! + this.ctx.market.barMs <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private checkDrift(t: number, now: number): void {
    const state = this.state!;
    const policy = state.policy;
    const summary = this.driftSummary(t, now, policy);
    this.result.supervisorCalls?.push({ call: 'recordDriftCheck', summary });
    state.recordDriftCheck(summary);
    const c = this.result.counts;
    c.driftChecks++;
    if (summary.status === 'checked') c.driftChecksDecided++;
    if (summary.drifted) c.driftedChecks++;
    this.result.drift.push({
      at: iso(now),
      bar: t,
      status: summary.status,
      drifted: summary.drifted,
      share: summary.share,
      sampleSize: summary.sampleSize,
      performanceDegraded: summary.performanceDegraded,
    });
    this.collectDecisions();
  }

  /**
   * The drift check of the live loop over the served window: the champion's served predictions of
   * the last `driftWindow` (their features and outputs) against its reference profiles, thresholds
   * calibrated on its training window, and its labelled outcomes against its validation accuracy.
   */
  private driftSummary(t: number, now: number, policy: SupervisorPolicy): DriftCheckSummary {
    const { market } = this.ctx;
    const windowMs = parseDuration(policy.driftWindow);
    const from = now - windowMs;
    const window = { from, to: now };
    const rows: number[] = [];
    for (let j = t; j >= 0 && knownAt(market, j) >= from; j--)
      if (this.servedBy[j] === this.championNumber) rows.push(j);
    rows.reverse();
    return windowDriftCheck({
      market,
      champion: this.champion,
      rows,
      outputs: rows.map((j) => this.result.served[j]!),
      policy,
      now,
      window,
      outcomes: (method) => {
        // Outcomes of the window's bars that are known by now (the bar just scored has none yet).
        const bars: BarOutcomes[] = rows
          .filter((j) => j < t)
          .map((j) => ({ n: 1, correct: this.outcomeOf(j).correct ? 1 : 0 }));
        if (method !== 'cusum' || bars.length < policy.performance.minOutcomes) return { bars };
        const since = Math.max(this.championSince, now - 30 * 86_400_000);
        const history: BarOutcomes[] = [];
        for (let j = this.barAt(since); j < t; j++)
          if (knownAt(market, j) >= since && this.servedBy[j] === this.championNumber)
            history.push({ n: 1, correct: this.outcomeOf(j).correct ? 1 : 0 });
        return { bars, cusum: { history, since, horizonBars: Math.ceil((30 * 86_400_000) / market.barMs) } };
      },
    });
  }

  private startIfDue(t: number, now: number): void {
    const state = this.state!;
    // Only a pending request can start (and only one can be dropped for the day's budget).
    if (!this.pending) return;
    this.result.supervisorCalls?.push({ call: 'nextToStart', now });
    const request = state.nextToStart(now);
    if (!request) {
      this.collectDecisions();
      return;
    }
    this.pending = false;
    const jobNumber = state.takeJobNumber();
    const workflowId = `retrain:${this.ctx.model}:${jobNumber}`;
    const job = { jobNumber, workflowId, trigger: request.trigger, startedAt: now };
    this.result.supervisorCalls?.push({ call: 'started', job });
    state.started(job);
    this.jobAlarms =
      request.trigger === 'drift' || request.trigger === 'performance' ? this.pendingAlarms : 0;
    this.pendingAlarms = 0;
    this.result.counts.retrainingsStarted++;
    this.collectDecisions();
    const policy = state.policy;
    const attempt = this.trainAndGate(t, policy.retrain.windowBars);
    if ('failed' in attempt) {
      this.event(t, 'retraining-failed', `${workflowId} (${request.trigger}): ${attempt.failed}`);
      this.finishJob(workflowId, 'failed', attempt.failed, now, undefined);
      return;
    }
    const { candidate, number, gate } = attempt;
    this.event(
      t,
      'retraining-started',
      `${workflowId} (${request.trigger}): v${number} trained on ${policy.retrain.windowBars} bars`,
      number,
    );
    if (!gate.passed) {
      this.result.counts.gateRejections++;
      const detail = `candidate failed validation: ${failedChecks(gate).join('; ')}`;
      this.event(t, 'gate-rejected', `v${number}: ${detail}`, number);
      this.finishJob(workflowId, 'rejected', detail, now, undefined);
      return;
    }
    const ePolicy = policy.experiment;
    this.experiment = {
      workflowId,
      candidate,
      candidateNumber: number,
      policy: ePolicy,
      weight: policy.challengerTraffic,
      startedAt: now,
      deadline: now + parseDuration(ePolicy.maxDuration),
      nextLookAt: now + parseDuration(ePolicy.analysisInterval),
      held: false,
      previousPValues: {},
      arms: {
        control: armSums('control', true, 1 - policy.challengerTraffic),
        challenger: armSums('challenger', false, policy.challengerTraffic),
      },
      periods: new Map(),
      paired: [],
    };
    this.result.counts.experiments++;
    this.event(
      t,
      'experiment-started',
      `v${this.championNumber} vs v${number} (${ePolicy.comparison})`,
      number,
    );
  }

  /** One look of the experiment workflow: analyseExperiment's analysis, decideExperiment's verdict. */
  private look(t: number, now: number): void {
    const e = this.experiment!;
    e.nextLookAt = now + parseDuration(e.policy.analysisInterval);
    if (e.held) {
      if (now >= e.deadline)
        this.endExperiment(
          t,
          now,
          'futility',
          `held past the maximum duration (${e.policy.maxDuration})`,
          false,
        );
      return;
    }
    const paired = e.policy.comparison !== 'split' ? pairedComparisonOf(e.paired, e.policy) : null;
    const analysis = analyseArms(
      [e.arms.control.agg, e.arms.challenger.agg],
      e.policy,
      e.previousPValues,
      now,
      {
        strategy: 'random',
        periods: [...e.periods.values()],
        paired: paired ? { variant: 'challenger', state: paired } : null,
      },
    );
    for (const c of analysis.comparisons) e.previousPValues[c.variant] = c.pValue;
    const end = decideExperiment(analysis, e.policy, now - e.startedAt, e.deadline - e.startedAt);
    if (!end) return;
    if (end.kind === 'srm') {
      e.held = true;
      this.event(t, 'experiment-ended', `held: ${end.reason}`, e.candidateNumber);
      return;
    }
    const promote = 'winner' in end && end.winner === 'challenger' && e.policy.autoPromote;
    if (end.kind === 'guardrail') this.result.counts.rollbacks++;
    this.endExperiment(t, now, end.kind, end.reason, promote);
  }

  private endExperiment(t: number, now: number, kind: string, reason: string, promote: boolean): void {
    const e = this.experiment!;
    this.experiment = undefined;
    this.event(
      t,
      kind === 'guardrail' ? 'rolled-back' : 'experiment-ended',
      `${kind}: ${reason}`,
      e.candidateNumber,
    );
    if (promote) {
      this.promote(t, now, e.candidate, e.candidateNumber, reason);
      this.finishJob(
        e.workflowId,
        'completed',
        `v${e.candidateNumber} promoted: ${reason}`,
        now,
        e.candidateNumber,
      );
    } else {
      this.finishJob(e.workflowId, 'rejected', reason, now, undefined);
    }
  }

  private finishJob(
    workflowId: string,
    status: 'completed' | 'rejected' | 'failed',
    detail: string,
    now: number,
    promotedVersion: number | undefined,
  ): void {
    if (promotedVersion === undefined) this.result.counts.alarmsLedNowhere += this.jobAlarms;
    this.jobAlarms = 0;
    if (!this.state) return;
    const outcome: RetrainingOutcome = {
      workflowId,
      status,
      detail,
      ...(promotedVersion !== undefined ? { promotedVersion } : {}),
    };
    this.result.supervisorCalls?.push({ call: 'finished', outcome, now });
    this.state.finished(outcome, now);
    this.collectDecisions();
  }

  // --- retraining -----------------------------------------------------------------------------

  private trainAndGate(
    t: number,
    windowBars: number,
  ): { candidate: BacktestVersion; number: number; gate: GateResult } | { failed: string } {
    const first = Math.max(0, t - windowBars + 1);
    const key = `${this.ctx.kind}:${first}:${t}`;
    let trained = this.ctx.trained.get(key);
    if (!trained) {
      try {
        trained = trainVersion(this.ctx.market, this.ctx.kind, 0, first, t, 'data-window');
      } catch (error) {
        // What fails a retraining job's activity for good (a holdout of one class, too few rows)
        // fails the job here: the supervisor hears `failed` and goes on.
        if (!(error instanceof MlInputError)) throw error;
        this.result.counts.failedRetrainings++;
        return { failed: error.message };
      }
      this.ctx.trained.set(key, trained);
    }
    const gate = gateCandidate(
      trained.version,
      trained.data,
      this.champion,
      this.ctx.gatePolicy,
      this.ctx.kind,
      this.ctx.infra,
    );
    const candidate = trained.version as BacktestVersion;
    const number = this.nextNumber++;
    return { candidate, number, gate };
  }

  private scheduledRetraining(t: number, now: number): void {
    const c = this.result.counts;
    c.retrainingsRequested++;
    c.retrainingsStarted++;
    const attempt = this.trainAndGate(t, this.ctx.windowBars);
    if ('failed' in attempt) {
      this.event(t, 'retraining-failed', `scheduled: ${attempt.failed}`);
      return;
    }
    const { candidate, number, gate } = attempt;
    this.event(
      t,
      'retraining-started',
      `scheduled: v${number} trained on ${this.ctx.windowBars} bars`,
      number,
    );
    if (!gate.passed) {
      c.gateRejections++;
      this.event(t, 'gate-rejected', `v${number}: ${failedChecks(gate).join('; ')}`, number);
      return;
    }
    this.promote(t, now, candidate, number, 'passed the gate (scheduled baseline: no experiment)');
  }

  private promote(t: number, now: number, v: BacktestVersion, number: number, reason: string): void {
    this.champion = v;
    this.championNumber = number;
    this.championSince = now;
    this.result.counts.promotions++;
    this.result.promotionsAtBar.push(t);
    this.event(t, 'promoted', `v${number} is champion: ${reason}`, number);
  }

  private event(bar: number, kind: TimelineEvent['kind'], detail: string, version?: number): void {
    this.result.timeline.push({
      at: iso(knownAt(this.ctx.market, bar)),
      bar,
      kind,
      detail,
      ...(version !== undefined ? { version } : {}),
    });
  }
}

/**
 * The drift check of the live loop on a window held in memory: the champion's served rows (bars)
 * and outputs against its reference profiles, thresholds calibrated on its training window, and its
 * labelled outcomes against its validation accuracy; every verdict from the drift-check core that
 * `checkDrift` runs.
 */
export function windowDriftCheck(input: {
  market: BacktestMarket;
  champion: BacktestVersion;
  /** Bars served by the champion in the window, in time order. */
  rows: readonly number[];
  outputs: readonly number[];
  policy: SupervisorPolicy;
  now: number;
  window: { from: number; to: number };
  outcomes: (method: 'two-sample' | 'known-baseline' | 'cusum') => {
    bars: BarOutcomes[];
    cusum?: { history: BarOutcomes[]; since: number; horizonBars: number };
  };
}): DriftCheckSummary {
  const { market, champion, rows, policy, now, window } = input;
  const names = market.schema.names;
  const minSamples = policy.minDriftSamples;
  if (Math.min(rows.length, 100_000) < minSamples)
    return undecidedDriftCheck(
      now,
      'insufficient-data',
      `only ${rows.length} rows in the window (need ${minSamples})`,
      rows.length,
      window,
    );
  const columns: Record<string, Float64Array> = {};
  names.forEach((n, k) => {
    const column = new Float64Array(rows.length);
    rows.forEach((j, r) => (column[r] = market.features[j * market.cols + k]!));
    columns[n] = column;
  });
  const driftPolicy = driftPolicyOf({ share: policy.driftShare, minSamples });
  const { calibration } =
    policy.driftThresholds === 'calibrated'
      ? calibrationOf(market, champion, names, rows.length, driftPolicy)
      : {};
  const assessed = assessFeatureDrift({
    profiles: champion.profiles,
    names,
    columns,
    order: 'oldest-first',
    outputs: input.outputs,
    minSamples,
    policy: driftPolicy,
    ...(calibration ? { calibration } : {}),
  });
  if (assessed.untestable !== undefined)
    return undecidedDriftCheck(now, 'untestable', assessed.untestable, rows.length, window);
  const { report, drifted, features, predictionDrift } = assessed;
  let performanceDegraded = false;
  let performanceDetail: string | undefined;
  const baseline = champion.baselineAccuracy;
  if (policy.performance.enabled && typeof baseline === 'number') {
    const { bars, cusum } = input.outcomes(performanceMethodOf(policy.performance, champion.baselineRows));
    const found = assessPerformance({
      policy: policy.performance,
      baseline,
      baselineRows: champion.baselineRows,
      bars,
      ...(cusum ? { cusum } : {}),
    });
    if (found) {
      performanceDegraded = found.degraded;
      performanceDetail = found.detail;
    }
  }
  return {
    checkedAt: now,
    status: 'checked',
    sampleSize: rows.length,
    drifted,
    share: report.share,
    features,
    ...(predictionDrift ? { predictionDrift } : {}),
    performanceDegraded,
    ...(performanceDetail ? { performanceDetail } : {}),
    windowStart: window.from,
    windowEnd: window.to,
    thresholds: report.thresholds,
  };
}

/** The gate's failed checks, named, without the machine-dependent latency figures. */
export function failedChecks(gate: GateResult): string[] {
  return gate.checks
    .filter((c) => !c.passed)
    .map((c) => (c.name.startsWith('infra.') ? c.name : `${c.name}: ${c.detail}`));
}
