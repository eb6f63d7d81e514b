import { z } from 'zod';
import {
  createPairedComparison,
  decidePairedComparison,
  type PairedComparison,
  type UnitSums,
} from '../stats/sequential';
import { parseDuration } from '../util/duration';
import {
  decideExperiment,
  decisionName,
  type ExperimentDecisionName,
} from '../workflows/experiment/experiment-decision';
import { experimentPolicySchema, type ExperimentPolicy } from '../policies/experiment-policy';
import {
  analyseArms,
  type AllocationStrategyName,
  type ArmAggregates,
  type PeriodAggregates,
} from './analyse-arms';

// Re-analysis of exported experiment rows through the same decision code the experiment workflow
// uses (`galfriday experiments analyse`). Rows are fed one at a time, in time order per experiment;
// every N rows of an experiment is one look. Memory is per arm and per period (plus one entry per unit
// for the delta method), never per row, so files of millions of rows stream through.

/** The policy file: the experiment policy plus the offline-only keys. */
export const offlinePolicySchema = z
  .object({
    /** The control arm's name (split analysis). */
    control: z.string().min(1).optional(),
    /** How the exported experiment allocated traffic. @default 'hash' */
    strategy: z.enum(['hash', 'random', 'epsilon_greedy', 'thompson']).default('hash'),
    /** Configured weight per arm (SRM); equal weights when omitted. */
    weights: z.record(z.string(), z.number().positive()).optional(),
  })
  .passthrough();

export interface OfflinePolicy {
  control: string | undefined;
  strategy: AllocationStrategyName;
  weights: Record<string, number> | undefined;
  policy: ExperimentPolicy;
}

/** Splits the policy file into the offline keys and the experiment policy (validated, defaulted). */
export function parseOfflinePolicy(input: unknown): OfflinePolicy {
  const outer = offlinePolicySchema.parse(input);
  const { control, strategy, weights, ...rest } = outer;
  return { control, strategy, weights, policy: experimentPolicySchema.parse(rest) };
}

/** What the analysis concluded for one experiment. */
export interface OfflineExperimentResult {
  experiment: string;
  decision: ExperimentDecisionName;
  winner: string | null;
  looks: number;
  /** The experiment's row count at the deciding look; null when it never decided. */
  decidedAtRow: number | null;
  rows: number;
  /** Final interval: the first treatment − control confidence sequence, or the paired one. */
  interval: [number, number] | null;
  reason: string | null;
  /** Paired only: the fixed-horizon Diebold–Mariano view at the end. */
  dieboldMariano?: { statistic: number; pValue: number } | null;
}

interface ArmState {
  assignments: number;
  labelled: number;
  correct: number;
  returnsN: number;
  returnSum: number;
  returnSumSq: number;
  cum: number;
  peak: number;
  drawdown: number;
  units: number;
  accuracyUnits: UnitSums;
  returnUnits: UnitSums;
}

function emptySums(): UnitSums {
  return { units: 0, sumY: 0, sumN: 0, sumYY: 0, sumNN: 0, sumYN: 0 };
}

function addToUnit(s: UnitSums, y0: number, n0: number, dy: number, dn: number): void {
  const y1 = y0 + dy;
  const n1 = n0 + dn;
  if (n0 === 0 && n1 > 0) s.units++;
  s.sumY += dy;
  s.sumN += dn;
  s.sumYY += y1 * y1 - y0 * y0;
  s.sumNN += n1 * n1 - n0 * n0;
  s.sumYN += y1 * n1 - y0 * n0;
}

/** One split row: a routed decision with its outcome where known. */
export interface SplitRow {
  arm: string;
  unitId: string;
  at: number;
  correct: number | null;
  return: number | null;
}

/** Incremental split analysis of one experiment. */
export class OfflineSplitExperiment {
  private readonly arms = new Map<string, ArmState>();
  private readonly firstArm = new Map<string, string>();
  private readonly unitStats = new Map<string, [number, number, number, number]>();
  private readonly periods: PeriodAggregates[] = [];
  private readonly periodMs: number;
  private readonly maxDurationMs: number;
  private previous: Record<string, number> = {};
  private rows = 0;
  private looks = 0;
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  private result: OfflineExperimentResult | undefined;
  private lastInterval: [number, number] | null = null;

  constructor(
    readonly experiment: string,
    private readonly offline: OfflinePolicy,
    private readonly lookEvery: number,
  ) {
    this.periodMs = parseDuration(offline.policy.analysisPeriod);
    this.maxDurationMs = parseDuration(offline.policy.maxDuration);
  }

  get decided(): boolean {
    return this.result !== undefined;
  }

  get lastTime(): number | undefined {
    return this.lastAt;
  }

  push(row: SplitRow): void {
    if (this.result) {
      this.rows++;
      return;
    }
    this.firstAt ??= row.at;
    this.lastAt = row.at;
    this.rows++;
    let arm = this.arms.get(row.arm);
    if (!arm) {
      arm = {
        assignments: 0,
        labelled: 0,
        correct: 0,
        returnsN: 0,
        returnSum: 0,
        returnSumSq: 0,
        cum: 0,
        peak: 0,
        drawdown: 0,
        units: 0,
        accuracyUnits: emptySums(),
        returnUnits: emptySums(),
      };
      this.arms.set(row.arm, arm);
    }
    arm.assignments++;
    if (!this.firstArm.has(row.unitId)) {
      this.firstArm.set(row.unitId, row.arm);
      arm.units++;
    }
    const key = `${row.arm}\u0000${row.unitId}`;
    const u = this.unitStats.get(key) ?? [0, 0, 0, 0];
    const start = Math.floor(row.at / this.periodMs) * this.periodMs;
    let period = this.periods[this.periods.length - 1];
    if (!period || period.start !== start) {
      period = { start, arms: {} };
      this.periods.push(period);
    }
    const p = (period.arms[row.arm] ??= { decisions: 0, labelled: 0, correct: 0, returnsN: 0, returnSum: 0 });
    p.decisions = (p.decisions ?? 0) + 1;
    if (row.correct !== null) {
      arm.labelled++;
      arm.correct += row.correct;
      p.labelled++;
      p.correct += row.correct;
      addToUnit(arm.accuracyUnits, u[0], u[1], row.correct, 1);
      u[0] += row.correct;
      u[1] += 1;
    }
    if (row.return !== null) {
      const r = row.return;
      arm.returnsN++;
      arm.returnSum += r;
      arm.returnSumSq += r * r;
      arm.cum += r;
      arm.peak = Math.max(arm.peak, arm.cum);
      arm.drawdown = Math.max(arm.drawdown, arm.peak - arm.cum);
      p.returnsN++;
      p.returnSum += r;
      addToUnit(arm.returnUnits, u[2], u[3], r, 1);
      u[2] += r;
      u[3] += 1;
    }
    this.unitStats.set(key, u);
    if (this.rows % this.lookEvery === 0) this.look();
  }

  private aggregates(): ArmAggregates[] | null {
    const names = [...this.arms.keys()];
    const control = this.offline.control ?? names[0];
    if (!control || !this.arms.has(control) || names.length < 2) return null;
    const ordered = [control, ...names.filter((n) => n !== control).sort()];
    const weights = ordered.map((n) => this.offline.weights?.[n] ?? 1);
    const sum = weights.reduce((a, b) => a + b, 0);
    return ordered.map((name, i) => {
      const a = this.arms.get(name)!;
      return {
        variant: name,
        isControl: name === control,
        weight: (weights[i] as number) / sum,
        assignments: a.assignments,
        labelled: a.labelled,
        correct: a.correct,
        returnsN: a.returnsN,
        returnSum: a.returnSum,
        returnSumSq: a.returnSumSq,
        maxDrawdown: a.drawdown,
        units: a.units,
        accuracyUnits: { ...a.accuracyUnits },
        returnUnits: { ...a.returnUnits },
      };
    });
  }

  private look(): void {
    const arms = this.aggregates();
    if (!arms) return;
    this.looks++;
    const analysis = analyseArms(arms, this.offline.policy, this.previous, this.lastAt ?? 0, {
      strategy: this.offline.strategy,
      periods: this.periods,
    });
    for (const c of analysis.comparisons) this.previous[c.variant] = c.pValue;
    this.lastInterval = analysis.comparisons[0]?.ci ?? null;
    // Offline there is no shadow data: the split decides whatever `comparison` says.
    const policy: ExperimentPolicy = { ...this.offline.policy, comparison: 'split' };
    const end = decideExperiment(
      analysis,
      policy,
      (this.lastAt ?? 0) - (this.firstAt ?? 0),
      this.maxDurationMs,
    );
    if (end) {
      const control = arms[0]!.variant;
      this.result = {
        experiment: this.experiment,
        decision: decisionName(end, control),
        winner: 'winner' in end ? end.winner : null,
        looks: this.looks,
        decidedAtRow: this.rows,
        rows: this.rows,
        interval: this.lastInterval,
        reason: end.reason,
      };
    }
  }

  /** Ends the stream: a last look over the rows since the previous one, then the result. */
  finish(): OfflineExperimentResult {
    if (!this.result && this.rows % this.lookEvery !== 0) this.look();
    if (this.result) return { ...this.result, rows: this.rows };
    const missingControl = !this.aggregates();
    return {
      experiment: this.experiment,
      decision: 'continue',
      winner: null,
      looks: this.looks,
      decidedAtRow: null,
      rows: this.rows,
      interval: this.lastInterval,
      reason: missingControl
        ? `needs the control arm${this.offline.control ? ` "${this.offline.control}"` : ''} and at least one other arm`
        : null,
    };
  }
}

/** One paired row: both versions' predicted probabilities on the same bar. */
export interface PairedRow {
  at: number;
  label: number | null;
  champion: number;
  challenger: number;
  return: number | null;
}

/** Incremental paired analysis of one experiment. */
export class OfflinePairedExperiment {
  private readonly comparison: PairedComparison;
  private rows = 0;
  private looks = 0;
  private result: OfflineExperimentResult | undefined;
  private lastAt: number | undefined;

  constructor(
    readonly experiment: string,
    private readonly policy: ExperimentPolicy,
    private readonly lookEvery: number,
  ) {
    const { score, logClip, pnlClip } = policy.paired;
    this.comparison = createPairedComparison({ score, logClip, pnlClip, alpha: policy.alpha });
  }

  get lastTime(): number | undefined {
    return this.lastAt;
  }

  push(row: PairedRow): void {
    this.rows++;
    this.lastAt = row.at;
    if (this.result) return;
    this.comparison.push({
      champion: row.champion,
      challenger: row.challenger,
      ...(row.label !== null ? { label: row.label } : {}),
      ...(row.return !== null ? { marketReturn: row.return } : {}),
    });
    if (this.rows % this.lookEvery === 0) this.look();
  }

  private look(): void {
    this.looks++;
    const state = this.comparison.state({ withDieboldMariano: false });
    const d = decidePairedComparison(state, this.policy.paired.minBars);
    const stop = d === 'continue' && state.bars >= this.policy.paired.maxBars;
    if (d === 'continue' && !stop) return;
    const withDm = this.comparison.state();
    this.result = {
      experiment: this.experiment,
      decision: stop ? 'stop' : d,
      winner: d === 'promote' ? 'challenger' : d === 'reject' ? 'champion' : null,
      looks: this.looks,
      decidedAtRow: this.rows,
      rows: this.rows,
      interval: state.interval,
      reason: stop
        ? `no difference after ${this.policy.paired.maxBars} paired bars`
        : `${d === 'promote' ? 'challenger better' : 'challenger worse'} on the same ${state.bars} bars (${state.score})`,
      dieboldMariano: withDm.dieboldMariano
        ? { statistic: withDm.dieboldMariano.statistic, pValue: withDm.dieboldMariano.pValue }
        : null,
    };
  }

  finish(): OfflineExperimentResult {
    if (!this.result && this.rows % this.lookEvery !== 0) this.look();
    if (this.result) return { ...this.result, rows: this.rows };
    const state = this.comparison.state();
    return {
      experiment: this.experiment,
      decision: 'continue',
      winner: null,
      looks: this.looks,
      decidedAtRow: null,
      rows: this.rows,
      interval: state.bars > 0 ? state.interval : null,
      reason: null,
      dieboldMariano: state.dieboldMariano
        ? { statistic: state.dieboldMariano.statistic, pValue: state.dieboldMariano.pValue }
        : null,
    };
  }
}
