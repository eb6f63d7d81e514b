import { MlInputError } from '../errors';
import type { MetricName, ModelEvaluation } from './evaluate-predictions';
import { gatePolicySchema, type GatePolicy, type GatePolicyInput } from './gate-policy';
import { lossDifferenceInterval, type LossDifferenceInterval } from './loss-difference-interval';

/** Infra check measured by the caller: did the artifact load in onnxruntime, and how fast is one row. */
export interface InfraCheckInput {
  loaded: boolean;
  /** p99 latency of single-row inference in milliseconds (absent when loading failed). */
  p99LatencyMs?: number;
  /** Load or inference error message, shown in the check detail. */
  error?: string;
}

/** One gate check, in the shape the registry stores and the CLI prints. */
export interface GateCheck {
  name: string;
  passed: boolean;
  value: number | null;
  threshold: number | null;
  detail: string;
}

/** What the gate needs to know about the champion beyond its scores. */
export interface ChampionContext {
  /** The period the champion was trained on (ISO times or Dates); its holdout rows must be after it. */
  trainingWindow?: { from: string | Date | null; to: string | Date | null };
}

/** Bootstrap block length: the policy's, else max(horizon, ⌈n^{1/3}⌉) (dependent-data.md §2). */
export function defaultBlockLength(rows: number, horizon: number | undefined): number {
  return Math.max(horizon ?? 1, Math.ceil(Math.cbrt(Math.max(rows, 1))));
}

/** Outcome of {@link evaluateGate}: passed only when every check passed. */
export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  policy: GatePolicy;
}

const LOWER_IS_BETTER: ReadonlySet<MetricName> = new Set<MetricName>([
  'logLoss',
  'brier',
  'rmse',
  'mae',
  'maxDrawdown',
]);

const fmt = (v: number): string => String(Number(v.toPrecision(4)));
/** 0.95 → "95", 0.975 → "97.5": the level the decision uses, not a rounded one. */
const fmtLevel = (confidence: number): string => String(Number((confidence * 100).toPrecision(6)));

function check(
  name: string,
  passed: boolean,
  value: number | null,
  threshold: number | null,
  detail: string,
): GateCheck {
  return { name, passed, value, threshold, detail };
}

function floorChecks(candidate: ModelEvaluation, policy: GatePolicy): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const { metric, min, max } of policy.floors) {
    const value = candidate.metrics[metric];
    const name = `floor.${metric}`;
    if (value === undefined || value === null || Number.isNaN(value)) {
      checks.push(check(name, false, null, min ?? max ?? null, `${metric} is not available for this model`));
      continue;
    }
    if (min !== undefined) {
      const passed = value >= min;
      const label = max !== undefined ? `${name}.min` : name;
      checks.push(
        check(label, passed, value, min, `${metric} ${fmt(value)} ${passed ? '≥' : '<'} ${fmt(min)}`),
      );
    }
    if (max !== undefined) {
      const passed = value <= max;
      const label = min !== undefined ? `${name}.max` : name;
      checks.push(
        check(label, passed, value, max, `${metric} ${fmt(value)} ${passed ? '≤' : '>'} ${fmt(max)}`),
      );
    }
  }
  return checks;
}

function overlapCheck(candidate: ModelEvaluation, context: ChampionContext): GateCheck | undefined {
  const window = context.trainingWindow;
  if (!window || !window.from || !window.to || !candidate.holdout.from || !candidate.holdout.to)
    return undefined;
  const trainFrom = new Date(window.from).getTime();
  const trainTo = new Date(window.to).getTime();
  const holdFrom = Date.parse(candidate.holdout.from);
  const holdTo = Date.parse(candidate.holdout.to);
  if (![trainFrom, trainTo, holdFrom, holdTo].every(Number.isFinite)) return undefined;
  const iso = (ms: number) => new Date(ms).toISOString();
  const overlaps = holdFrom <= trainTo && holdTo >= trainFrom;
  return check(
    'champion.holdoutUnseen',
    !overlaps,
    null,
    null,
    overlaps
      ? `holdout ${iso(holdFrom)} → ${iso(holdTo)} overlaps the champion's training window ${iso(trainFrom)} → ${iso(trainTo)}: the champion was trained on some of these rows, so its holdout loss is optimistic and the comparison is refused; evaluate on rows after ${iso(trainTo)}`
      : `holdout starts after the champion's training window (ends ${iso(trainTo)})`,
  );
}

/** How an interval of the improvement sits against 0, in words. */
export function describeImprovementInterval(lower: number, upper: number): string {
  if (lower > 0) return 'excludes 0: significantly better';
  if (upper < 0) return 'excludes 0: significantly worse';
  return 'includes 0';
}

function championChecks(
  candidate: ModelEvaluation,
  champion: ModelEvaluation,
  policy: GatePolicy,
  context: ChampionContext,
): GateCheck[] {
  const c = policy.champion;
  const overlap = overlapCheck(candidate, context);
  if (overlap && !overlap.passed) return [overlap];
  const same =
    champion.task === candidate.task &&
    champion.lossName === candidate.lossName &&
    champion.holdout.fingerprint === candidate.holdout.fingerprint &&
    champion.rowLoss.length === candidate.rowLoss.length;
  if (!same) {
    return [
      check(
        'champion.sameHoldout',
        false,
        null,
        null,
        `candidate holdout ${candidate.holdout.fingerprint} (${candidate.rowLoss.length} rows, ${candidate.lossName}) ≠ champion holdout ${champion.holdout.fingerprint} (${champion.rowLoss.length} rows, ${champion.lossName}); rescore the champion on the candidate's holdout`,
      ),
    ];
  }
  const checks = [
    check(
      'champion.sameHoldout',
      true,
      null,
      null,
      `both scored on holdout ${candidate.holdout.fingerprint} (${candidate.holdout.rows} rows)`,
    ),
    ...(overlap ? [overlap] : []),
  ];
  const blockLength =
    c.blockLength ?? defaultBlockLength(candidate.rowLoss.length, candidate.holdout.horizon);
  let ci: LossDifferenceInterval | undefined;
  try {
    ci = lossDifferenceInterval(champion.rowLoss, candidate.rowLoss, { ...c, blockLength });
  } catch (e) {
    checks.push(
      check(
        'champion.lossImprovement',
        false,
        null,
        c.minImprovement,
        `cannot compare losses: ${(e as Error).message}`,
      ),
    );
  }
  if (ci !== undefined) {
    const improved = ci.mean >= c.minImprovement;
    checks.push(
      check(
        'champion.lossImprovement',
        improved,
        ci.mean,
        c.minImprovement,
        `mean ${candidate.lossName} improvement ${fmt(ci.mean)} ${improved ? '≥' : '<'} margin ${fmt(c.minImprovement)}`,
      ),
    );
    const better = ci.lower > 0;
    checks.push(
      check(
        'champion.lossImprovementCi',
        better,
        ci.lower,
        0,
        `${fmtLevel(c.confidence)}% paired block-bootstrap CI of the improvement [${fmt(ci.lower)}, ${fmt(ci.upper)}] ${describeImprovementInterval(ci.lower, ci.upper)} (${c.resamples} resamples, block ${blockLength}${c.blockLength === undefined ? ` = max(horizon ${candidate.holdout.horizon ?? 1}, ⌈n^(1/3)⌉)` : ''})`,
      ),
    );
    if (c.mde !== undefined) {
      const futile = ci.upper < c.mde;
      checks.push(
        check(
          'champion.futility',
          !futile,
          ci.upper,
          c.mde,
          futile
            ? `futile: even the interval's upper bound ${fmt(ci.upper)} is below the minimum detectable improvement ${fmt(c.mde)}`
            : `the interval's upper bound ${fmt(ci.upper)} reaches the minimum detectable improvement ${fmt(c.mde)}`,
        ),
      );
    }
  }
  for (const { metric, maxDrop } of c.maxDrops) {
    const a = candidate.metrics[metric];
    const b = champion.metrics[metric];
    const name = `champion.maxDrop.${metric}`;
    if (a === undefined || a === null || b === undefined || b === null) {
      checks.push(check(name, false, null, maxDrop, `${metric} missing for candidate or champion`));
      continue;
    }
    const drop = LOWER_IS_BETTER.has(metric) ? a - b : b - a;
    const passed = drop <= maxDrop;
    checks.push(
      check(
        name,
        passed,
        drop,
        maxDrop,
        `${metric} ${fmt(b)} → ${fmt(a)}: worse by ${fmt(Math.max(drop, 0))} ${passed ? '≤' : '>'} ${fmt(maxDrop)}`,
      ),
    );
  }
  return checks;
}

function infraChecks(infra: InfraCheckInput | undefined, policy: GatePolicy): GateCheck[] {
  if (infra === undefined) {
    return policy.infra.required
      ? [check('infra.loaded', false, null, null, 'infra check result not provided')]
      : [];
  }
  const p99 = infra.p99LatencyMs;
  const bound = policy.infra.maxP99LatencyMs;
  return [
    check(
      'infra.loaded',
      infra.loaded,
      null,
      null,
      infra.loaded
        ? 'artifact loaded in onnxruntime'
        : `artifact failed to load: ${infra.error ?? 'unknown error'}`,
    ),
    check(
      'infra.p99LatencyMs',
      infra.loaded && p99 !== undefined && p99 <= bound,
      p99 ?? null,
      bound,
      p99 === undefined
        ? 'no latency measured'
        : `p99 single-row latency ${fmt(p99)} ms ${p99 <= bound ? '≤' : '>'} ${fmt(bound)} ms`,
    ),
  ];
}

/**
 * Decides whether a candidate model may be promoted: absolute floors on its holdout metrics; if a
 * champion evaluation is given, a same-holdout comparison (mean per-row loss improvement ≥ margin,
 * paired-bootstrap CI of the improvement above 0, bounded drops of other metrics); and the infra
 * check (loaded, p99 single-row latency under the bound). With no champion the comparison is
 * skipped, so a first version passes on floors and infra alone. Throws MlInputError for an
 * invalid policy.
 *
 * ### Examples
 * ```ts
 * declare const candidateEval: ModelEvaluation;
 * declare const championEval: ModelEvaluation | undefined;
 * const result = evaluateGate(candidateEval, championEval, { champion: { minImprovement: 0.001 } }, { loaded: true, p99LatencyMs: 0.4 });
 * result.passed; // true or false
 * result.checks[0]; // { name: 'floor.auc', passed: true, value: 0.61, threshold: 0.52, detail: 'auc 0.61 ≥ 0.52' }
 * ```
 */
export function evaluateGate(
  candidate: ModelEvaluation,
  champion: ModelEvaluation | undefined,
  policyInput: GatePolicyInput = {},
  infra?: InfraCheckInput,
  championContext: ChampionContext = {},
): GateResult {
  const parsed = gatePolicySchema.safeParse(policyInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MlInputError(`gatePolicy.${issue.path.join('.')}`, issue.message);
  }
  const policy = parsed.data;
  const checks: GateCheck[] = [];
  if (candidate.task !== policy.task) {
    checks.push(
      check(
        'task',
        false,
        null,
        null,
        `candidate is a ${candidate.task} model, the policy is for ${policy.task}`,
      ),
    );
  }
  checks.push(...floorChecks(candidate, policy));
  if (champion === undefined) {
    checks.push(
      check('champion.present', true, null, null, 'no champion: first version, comparison skipped'),
    );
  } else {
    checks.push(...championChecks(candidate, champion, policy, championContext));
  }
  checks.push(...infraChecks(infra, policy));
  return { passed: checks.every((ch) => ch.passed), checks, policy };
}
