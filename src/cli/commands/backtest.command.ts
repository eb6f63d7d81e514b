import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { defaultPayloadConverter } from '@temporalio/common';
import type { BacktestHeartbeat, BacktestJobInput } from '../../activities/backtest.activities';
import path from 'node:path';
import { loadModelBars } from '../../lifecycle/model-pipeline';
import {
  runBacktest,
  type BacktestOptions,
  type BacktestReport,
} from '../../lifecycle/backtest/run-backtest';
import { renderBacktestReport } from '../../reports/backtest-report';
import { backtestTaskQueue } from '../../temporal/backtest-queue';
import { workflowUrl } from '../../temporal/ui-links';
import { backtestWorkflow } from '../../workflows/backtest/backtest.workflow';
import type { CliContext } from '../cli-context';
import type { Command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { createProgress } from '../progress';
import { dateOption, intOption, symbolOption, timeframeOption } from './options';

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      `cannot read ${what} ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      ExitCode.NOT_FOUND,
    );
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`, ExitCode.USAGE);
  }
}

function numberOption(values: Record<string, unknown>, name: string, min: number): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = typeof text === 'string' && /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min))
    throw new CliError(`--${name} must be a number ≥ ${min}, got "${String(text)}"`, ExitCode.USAGE);
  return value;
}

/** The backtest options of a command line, validated before any bar is read. */
export async function backtestOptionsFrom(values: Record<string, unknown>): Promise<{
  options: BacktestOptions;
  from: Date | undefined;
  to: Date | undefined;
}> {
  const symbol = symbolOption(values as never);
  const timeframe = timeframeOption(values as never);
  const target = (values.target as string | undefined) ?? 'prob_up';
  if (target !== 'prob_up' && target !== 'price_change_pct')
    throw new CliError(`--target must be prob_up or price_change_pct, got "${target}"`, ExitCode.USAGE);
  const trainer = (values.trainer as string | undefined) ?? 'logreg';
  if (trainer !== 'logreg' && trainer !== 'gbdt')
    throw new CliError(`--trainer must be logreg or gbdt, got "${trainer}"`, ExitCode.USAGE);
  if (trainer === 'logreg' && target === 'price_change_pct')
    throw new CliError(
      'logreg predicts prob_up only; use --trainer gbdt for price_change_pct',
      ExitCode.USAGE,
    );
  const from = dateOption(values as never, 'from');
  const to = dateOption(values as never, 'to');
  if (from && to && from >= to) throw new CliError('--from must be before --to', ExitCode.USAGE);
  const baselines = (values.baseline as string[] | undefined) ?? ['never', 'every:30d'];
  for (const b of baselines)
    if (b !== 'never' && !/^every:\d+(\.\d+)?(ms|s|m|h|d)$/.test(b))
      throw new CliError(
        `--baseline must be never or every:<duration> (e.g. every:30d), got "${b}"`,
        ExitCode.USAGE,
      );
  const options: BacktestOptions = {
    model: `backtest:${symbol}:${timeframe}`,
    symbol,
    timeframe,
    target,
    trainer,
    baselines,
    incidents: {
      ...(values['incident-bars'] !== undefined
        ? { minBars: intOption(values as never, 'incident-bars', { min: 1, max: 1_000_000 }) }
        : {}),
      ...(values['incident-window'] !== undefined
        ? { rollingBars: intOption(values as never, 'incident-window', { min: 5, max: 1_000_000 }) }
        : {}),
      ...(values['fresh-every'] !== undefined
        ? { freshEvery: intOption(values as never, 'fresh-every', { min: 1, max: 1_000_000 }) }
        : {}),
    },
  };
  if (values['initial-bars'] !== undefined)
    options.initialBars = intOption(values as never, 'initial-bars', { min: 100, max: 10_000_000 });
  const cost = numberOption(values, 'cost', 0);
  if (cost !== undefined) options.costPerSignal = cost;
  if (values.policy) options.policy = await readJson(values.policy as string, 'policy');
  if (values.gate) options.gatePolicy = await readJson(values.gate as string, 'gate policy');
  if (values.strategy) {
    const file = (await readJson(values.strategy as string, 'strategy')) as { strategies?: unknown[] };
    // A strategies file (as the router reads) gives its first strategy; a single strategy is taken as is.
    options.signal = Array.isArray(file?.strategies) ? file.strategies[0] : file;
  }
  return { options, from, to };
}

function pct(v: number | null, digits = 1): string {
  return v === null ? '—' : `${(v * 100).toFixed(digits)}%`;
}
function num(v: number | null, digits = 3): string {
  return v === null ? '—' : v.toFixed(digits);
}

/** The per-strategy table people read. */
export function backtestTable(report: BacktestReport): string {
  const header = [
    'strategy',
    'retrain',
    'gate-rej',
    'exper',
    'promo',
    'rollbk',
    'alarms∅',
    'pnl',
    'sharpe',
    'psr',
    'maxDD',
    'hit',
    'logloss',
    'brier',
    'incid',
    'stale d',
    'cycle d',
  ];
  const rows = report.strategies.map((s) => [
    s.name,
    String(s.counts.retrainingsStarted),
    String(s.counts.gateRejections),
    String(s.counts.experiments),
    String(s.counts.promotions),
    String(s.counts.rollbacks),
    `${s.counts.alarmsLedNowhere}/${s.counts.alarms}`,
    num(s.overall.cumulativePnl),
    num(s.overall.sharpe, 2),
    num(s.overall.psr, 2),
    num(s.overall.maxDrawdown),
    pct(s.overall.hitRate),
    num(s.overall.logLoss, 4),
    num(s.overall.brier, 4),
    String(s.incidents.count),
    s.incidents.staleDays.toFixed(0),
    s.improvementCycle.medianDays === null ? '—' : s.improvementCycle.medianDays.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function backtestSummaryText(report: BacktestReport): string {
  return [
    `Backtest of ${report.symbol} ${report.timeframe} (${report.target}, ${report.trainer}): ${report.bars} bars ${report.from.slice(0, 10)} → ${report.to.slice(0, 10)}, traded ${report.traded.bars} bars from ${report.traded.from.slice(0, 10)}.`,
    `First version: trained on ${report.initialVersion.trainedOn.bars} bars; ${report.initialVersion.note}${report.initialVersion.failedChecks.length ? ` (failed: ${report.initialVersion.failedChecks.join('; ')})` : ''}.`,
    '',
    backtestTable(report),
    '',
    'alarms∅: alarms that led nowhere / alarms; stale d: days in degradation incidents; cycle d: median days from incident start to the promotion that ended it.',
  ].join('\n');
}

async function runInProcess(
  ctx: CliContext,
  options: BacktestOptions,
  from: Date | undefined,
  to: Date | undefined,
): Promise<BacktestReport> {
  const { db } = await ctx.database();
  const bars = await loadModelBars(
    db,
    { name: options.symbol, symbol: options.symbol, timeframe: options.timeframe },
    { ...(from ? { from } : {}), ...(to ? { to } : {}) },
  );
  if (bars.length === 0)
    throw new CliError(
      `no ${options.symbol} ${options.timeframe} bars stored${from || to ? ' in the window' : ''}; import some with \`galfriday data import\``,
      ExitCode.NOT_FOUND,
    );
  const progress = createProgress('backtest', 1, !ctx.json);
  const report = await runBacktest(bars, options, (p) =>
    progress.update(p.done / Math.max(1, p.total), p.stage),
  );
  progress.finish();
  return report;
}

/** The id of a backtest: the same question asked twice follows the one job. */
function backtestWorkflowId(input: BacktestJobInput): string {
  const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 12);
  return `backtest:${input.options.symbol}:${input.options.timeframe}:${hash}`;
}

/**
 * Starts the backtest as a durable workflow (or joins the one already running the same question)
 * and follows its activity's heartbeats with a progress bar until it returns its report.
 */
async function runDurably(
  ctx: CliContext,
  options: BacktestOptions,
  from: Date | undefined,
  to: Date | undefined,
): Promise<BacktestReport> {
  const client = await ctx.temporal();
  const input: BacktestJobInput = {
    options,
    ...(from ? { from: from.toISOString() } : {}),
    ...(to ? { to: to.toISOString() } : {}),
  };
  const workflowId = backtestWorkflowId(input);
  const handle = await client.workflow.start(backtestWorkflow, {
    workflowId,
    taskQueue: backtestTaskQueue(ctx.config.taskQueue),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const ui = await ctx.temporalUiUrl();
  ctx.note(
    `Backtest ${workflowId} runs as a durable job${ui ? `: ${workflowUrl(ui, ctx.config.temporalNamespace, workflowId)}` : ''}`,
  );
  const progress = createProgress('backtest', 1, !ctx.json);
  let finished = false;
  const result = handle.result().finally(() => (finished = true));
  const follow = (async () => {
    while (!finished) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (finished) break;
      const description = await handle.describe().catch(() => undefined);
      const payload = description?.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const beat = defaultPayloadConverter.fromPayload<BacktestHeartbeat>(payload);
      progress.update(beat.progress.done / Math.max(1, beat.progress.total), beat.progress.stage);
    }
  })();
  try {
    return await result;
  } catch (error) {
    const cause = (error as { cause?: Error & { cause?: Error } }).cause;
    throw new CliError(
      `backtest ${workflowId} failed: ${cause?.cause?.message ?? cause?.message ?? (error as Error).message}`,
      ExitCode.FAILURE,
    );
  } finally {
    await follow;
    progress.finish();
  }
}

export const backtestCommand: Command = {
  path: ['backtest'],
  summary: 'Replay stored bars through the lifecycle policy and baselines: decisions, P&L, incidents',
  usage:
    '--symbol S --timeframe TF [--from DATE --to DATE] [--target prob_up|price_change_pct] [--trainer logreg|gbdt] [--policy policy.json] [--baseline never] [--baseline every:30d] … [--report backtest.html] [--local]',
  options: {
    symbol: { type: 'string' },
    timeframe: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    target: { type: 'string' },
    trainer: { type: 'string' },
    policy: { type: 'string' },
    gate: { type: 'string' },
    strategy: { type: 'string' },
    baseline: { type: 'string', multiple: true },
    'initial-bars': { type: 'string' },
    'incident-bars': { type: 'string' },
    'incident-window': { type: 'string' },
    'fresh-every': { type: 'string' },
    cost: { type: 'string' },
    report: { type: 'string' },
    local: { type: 'boolean' },
  },
  details: [
    'Walks forward through the stored bars in bar time. The first version is trained on the initial window',
    '(--initial-bars) as `models train` trains it and is the starting champion even if it fails the gate.',
    'At every bar the champion scores the bar and the strategy arbitrator (--strategy, a strategies file)',
    'turns the score into a signal traded over the next bar. The policy (--policy: a supervisor policy',
    'merged over the backtest defaults, see docs/cli.md) checks drift and performance, retrains, gates and',
    'experiments with the code the workflows run. Baselines: never, every:<duration> (retrain on a schedule,',
    'promote whatever passes the gate). Degradation incidents: --incident-bars K consecutive bars where the',
    "champion's rolling log loss over --incident-window bars is worse than a coin flip or a model retrained",
    'every --fresh-every bars. With a stack running the backtest runs as a durable workflow the CLI follows;',
    '--local runs it in this process.',
  ].join('\n'),
  async run(ctx, { values }) {
    const { options, from, to } = await backtestOptionsFrom(values);
    const reportFile = values.report as string | undefined;
    const durable =
      values.local !== true &&
      (ctx.config.temporalAddress ?? (await ctx.stack())?.temporalAddress) !== undefined;
    const report = durable
      ? await runDurably(ctx, options, from, to)
      : await runInProcess(ctx, options, from, to);
    if (reportFile) {
      const target = path.resolve(reportFile);
      await writeFile(target, renderBacktestReport(report, { generatedAt: new Date() }), 'utf8').catch(
        (error: Error) => {
          throw new CliError(`cannot write ${reportFile}: ${error.message}`, ExitCode.FAILURE);
        },
      );
      ctx.note(`Wrote ${target}`);
    }
    ctx.print(backtestSummaryText(report), report);
  },
};
