import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  createExperiment,
  getExperiment,
  listExperiments,
  type ExperimentWithVariants,
} from '../../db/repositories/experiment.repository';
import { EXPERIMENT_STATUSES, type AllocationStrategy } from '../../db/tables/experiments.table';
import { classifyError } from '../../errors';
import { ExperimentIdKey, ModelNameKey } from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/shared';
import { workflowUrl } from '../../temporal/ui-links';
import {
  changeAllocationUpdate,
  concludeExperimentUpdate,
  experimentStatusQuery,
  experimentWorkflow,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
  stopExperimentUpdate,
} from '../../workflows';
import { experimentPolicySchema } from '../../policies/experiment-policy';
import type { ExperimentStatusView } from '../../workflows/experiment/experiment-types';
import {
  OfflinePairedExperiment,
  OfflineSplitExperiment,
  parseOfflinePolicy,
  type OfflineExperimentResult,
  type OfflinePolicy,
} from '../../lifecycle/offline-analysis';
import { command, type Command } from '../command';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode } from '../exit-codes';
import { choiceOption, positional } from './options';

const STRATEGIES: readonly AllocationStrategy[] = ['hash', 'random', 'epsilon_greedy', 'thompson'];

async function findExperiment(ctx: CliContext, id: string) {
  const { db } = await ctx.database();
  const experiment = await getExperiment(db, id);
  if (!experiment)
    throw new CliError(`no experiment ${id} (see \`galfriday experiments list\`)`, ExitCode.NOT_FOUND);
  return experiment;
}

type ExperimentListRow = Awaited<ReturnType<typeof listExperiments>>[number];

/** An experiment in `experiments list --json`: camelCase API shape (docs/cli.md), not the row. */
function experimentSummaryJson(e: ExperimentListRow) {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    status: e.status,
    model: e.model,
    createdAt: e.created_at,
    startedAt: e.started_at,
    endedAt: e.ended_at,
    winnerVariant: e.winner_variant,
    completionReason: e.completion_reason,
  };
}

/**
 * An experiment in `experiments show --json`: camelCase API shape (docs/cli.md), its arms by
 * version number. `policy` and `results` are shown as stored.
 */
function experimentJson(e: ExperimentWithVariants) {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    description: e.description,
    model: e.modelName,
    status: e.status,
    allocationStrategy: e.allocation_strategy,
    coverage: e.coverage,
    layer: e.layer,
    primaryMetric: e.primary_metric,
    alpha: e.alpha,
    minimumDetectableEffect: e.minimum_detectable_effect,
    minSamplesPerVariant: e.min_samples_per_variant,
    maxSamplesPerVariant: e.max_samples_per_variant,
    maxDurationSeconds: e.max_duration_seconds,
    policy: e.policy,
    winnerVariant: e.winner_variant,
    completionReason: e.completion_reason,
    results: e.results,
    workflowId: e.workflow_id,
    createdBy: e.created_by,
    createdAt: e.created_at,
    startedAt: e.started_at,
    endedAt: e.ended_at,
    variants: e.variants.map((v) => ({
      variant: v.variant,
      version: v.version,
      versionId: v.version_id,
      weight: v.weight,
      isControl: v.is_control,
    })),
  };
}

function describeView(view: ExperimentStatusView): string {
  const arms =
    view.analysis?.arms.map(
      (a) =>
        `    ${a.variant.padEnd(12)} routed ${String(a.assignments).padStart(7)}  n ${String(a.n).padStart(7)}  mean ${a.mean.toFixed(4)}`,
    ) ?? [];
  const comparisons =
    view.analysis?.comparisons.map(
      (c) =>
        `    ${c.variant} − control: ${c.diff.toFixed(4)}  always-valid p ${c.pValue.toExponential(2)}  CI ${c.ci ? `[${c.ci[0].toFixed(4)}, ${c.ci[1].toFixed(4)}]` : 'not yet'}`,
    ) ?? [];
  return [
    `  state ${view.state}, ${view.looks} look(s)${view.end ? `, ended: ${view.end.reason}` : ''}`,
    ...arms,
    ...comparisons,
  ].join('\n');
}

export const experimentsCreateCommand = command({
  path: ['experiments', 'create'],
  summary: 'Create and start an experiment between versions of a model',
  usage:
    '<model> --control N --treatment N [--weight 0.5] [--strategy hash|random|epsilon_greedy|thompson] [--policy file.json] [--name TEXT]',
  options: {
    control: { type: 'string' },
    treatment: { type: 'string' },
    weight: { type: 'string' },
    strategy: { type: 'string' },
    policy: { type: 'string' },
    name: { type: 'string' },
  },
  details:
    'The policy file holds the experiment policy (primaryMetric, alpha, minSamplesPerVariant, maxDuration,\nanalysisInterval, autoPromote, guardrails); every field has a default.',
  async run(ctx, { positionals, values }) {
    const model = positional(positionals, 0, 'the model name', this.usage);
    const control = Number(values.control);
    const treatment = Number(values.treatment);
    if (!Number.isInteger(control) || !Number.isInteger(treatment) || control < 1 || treatment < 1) {
      throw new CliError('--control and --treatment must be version numbers', ExitCode.USAGE);
    }
    if (control === treatment)
      throw new CliError('--control and --treatment must be different versions', ExitCode.USAGE);
    const weight = values.weight === undefined ? 0.5 : Number(values.weight);
    if (!(weight > 0 && weight < 1))
      throw new CliError(
        `--weight must be a number strictly between 0 and 1, got "${values.weight}"`,
        ExitCode.USAGE,
      );
    const strategy = choiceOption(values, 'strategy', STRATEGIES) ?? 'hash';
    let policyInput: unknown = {};
    if (values.policy) {
      const text = await readFile(values.policy, 'utf8').catch(() => {
        throw new CliError(`cannot read ${values.policy}`, ExitCode.NOT_FOUND);
      });
      try {
        policyInput = JSON.parse(text);
      } catch (error) {
        throw new CliError(`${values.policy} is not JSON: ${(error as Error).message}`, ExitCode.USAGE);
      }
    }
    const parsed = experimentPolicySchema.safeParse(policyInput);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(`policy.${issue.path.join('.')}: ${issue.message}`, ExitCode.USAGE);
    }
    const { db } = await ctx.database();
    const client = await ctx.temporal();
    const experiment = await createExperiment(db, {
      model,
      name: values.name ?? `${model}: v${control} vs v${treatment}`,
      variants: [
        { variant: 'control', version: control, weight: 1 - weight, isControl: true },
        { variant: 'treatment', version: treatment, weight, isControl: false },
      ],
      allocationStrategy: strategy,
      policy: parsed.data,
      createdBy: `cli:${process.env.USER ?? 'unknown'}`,
    }).catch((error: Error) => {
      throw new CliError(
        error.message,
        classifyError(error).kind === 'not-found' ? ExitCode.NOT_FOUND : ExitCode.REJECTED,
      );
    });
    const workflowId = workflowIds.experiment(experiment.experiment_id);
    await client.workflow.start(experimentWorkflow, {
      workflowId,
      taskQueue: ctx.config.taskQueue,
      args: [{ experimentId: experiment.experiment_id }],
      typedSearchAttributes: [
        { key: ModelNameKey, value: model },
        { key: ExperimentIdKey, value: experiment.experiment_id },
      ],
    });
    const ui = await ctx.temporalUiUrl();
    ctx.print(
      `Experiment ${experiment.experiment_id} started: ${model} v${control} (control) vs v${treatment} at ${weight}.${ui ? `\n  ${workflowUrl(ui, ctx.config.temporalNamespace, workflowId)}` : ''}`,
      {
        experimentId: experiment.experiment_id,
        workflowId,
      },
    );
  },
});

export const experimentsListCommand = command({
  path: ['experiments', 'list'],
  summary: 'List experiments (newest first)',
  usage: '[--model M] [--status created|running|paused|completed|stopped|failed]',
  options: { model: { type: 'string' }, status: { type: 'string' } },
  async run(ctx, { values }) {
    const { db } = await ctx.database();
    const rows = await listExperiments(db, {
      ...(values.model ? { model: values.model } : {}),
      ...(values.status ? { status: choiceOption(values, 'status', EXPERIMENT_STATUSES)! } : {}),
    });
    ctx.print(
      rows.length
        ? rows
            .map(
              (r) =>
                `${r.experiment_id}  ${r.status.padEnd(9)} ${r.model.padEnd(16)} ${r.name}${r.winner_variant ? `  winner ${r.winner_variant}` : ''}`,
            )
            .join('\n')
        : 'No experiments.',
      rows.map(experimentSummaryJson),
    );
  },
});

export const experimentsShowCommand = command({
  path: ['experiments', 'show'],
  summary: 'Show an experiment: arms, live per-arm numbers, p-values and intervals',
  usage: '<id>',
  async run(ctx, { positionals }) {
    const id = positional(positionals, 0, 'the experiment id', 'experiments show <id>');
    const experiment = await findExperiment(ctx, id);
    let view: ExperimentStatusView | undefined;
    try {
      view = await (
        await ctx.temporal()
      ).workflow
        .getHandle(workflowIds.experiment(id))
        .query(experimentStatusQuery);
    } catch {
      view = undefined;
    }
    const arms = experiment.variants.map(
      (v) =>
        `  ${v.variant.padEnd(12)} v${v.version}  weight ${v.weight}${v.is_control ? '  (control)' : ''}`,
    );
    ctx.print(
      [
        `${experiment.experiment_id}: ${experiment.name} — ${experiment.status}${experiment.completion_reason ? ` (${experiment.completion_reason})` : ''}`,
        ...arms,
        view ? describeView(view) : '  (workflow not reachable: showing the stored record only)',
      ].join('\n'),
      { experiment: experimentJson(experiment), live: view ?? null },
    );
  },
});

// Declared as a plain Command: the three verbs' option types differ (resume takes no --reason).
function controlCommand(verb: 'pause' | 'resume' | 'stop'): Command {
  return command({
    path: ['experiments', verb],
    summary: {
      pause:
        'Pause a running experiment (traffic goes back to control; through the workflow, as the dashboard does)',
      resume: 'Resume a paused or held experiment',
      stop: 'Stop an experiment without promoting anything',
    }[verb],
    usage: verb === 'resume' ? '<id>' : '<id> [--reason TEXT]',
    // `resume` takes no reason: parseArgs refuses --reason there.
    options: verb === 'resume' ? {} : { reason: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const id = positional(positionals, 0, 'the experiment id', `experiments ${verb} <id>`);
      await findExperiment(ctx, id);
      const handle = (await ctx.temporal()).workflow.getHandle(workflowIds.experiment(id));
      const reason = values.reason;
      try {
        const view =
          verb === 'pause'
            ? await handle.executeUpdate(pauseExperimentUpdate, { args: [{ ...(reason ? { reason } : {}) }] })
            : verb === 'resume'
              ? await handle.executeUpdate(resumeExperimentUpdate, { args: [] })
              : await handle.executeUpdate(stopExperimentUpdate, {
                  args: [{ ...(reason ? { reason } : {}) }],
                });
        ctx.print(`Experiment ${id}: ${view.state}.\n${describeView(view)}`, view);
      } catch (error) {
        throw new CliError(
          error instanceof WorkflowUpdateFailedError
            ? `refused: ${(error.cause as Error | undefined)?.message ?? error.message}`
            : (error as Error).message,
          ExitCode.REJECTED,
        );
      }
    },
  });
}

export const experimentsPauseCommand = controlCommand('pause');
export const experimentsResumeCommand = controlCommand('resume');
export const experimentsStopCommand = controlCommand('stop');

export const experimentsConcludeCommand = command({
  path: ['experiments', 'conclude'],
  summary: 'End an experiment with a chosen winner (a winning treatment is promoted)',
  usage: '<id> --winner VARIANT [--reason TEXT]',
  options: { winner: { type: 'string' }, reason: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const id = positional(positionals, 0, 'the experiment id', 'experiments conclude <id> --winner VARIANT');
    const winner = values.winner;
    if (!winner) throw new CliError('--winner is required', ExitCode.USAGE);
    await findExperiment(ctx, id);
    const handle = (await ctx.temporal()).workflow.getHandle(workflowIds.experiment(id));
    try {
      const view = await handle.executeUpdate(concludeExperimentUpdate, {
        args: [{ winner, ...(values.reason ? { reason: values.reason } : {}) }],
      });
      ctx.print(`Experiment ${id} concluded: ${view.end?.reason ?? winner}.`, view);
    } catch (error) {
      throw new CliError(
        error instanceof WorkflowUpdateFailedError
          ? `refused: ${(error.cause as Error | undefined)?.message ?? error.message}`
          : (error as Error).message,
        ExitCode.REJECTED,
      );
    }
  },
});

export const experimentsRampCommand = command({
  path: ['experiments', 'ramp'],
  summary: "Raise an experiment's coverage (ramps only go up: enrolled units never move)",
  usage: '<id> --coverage 0.8',
  options: { coverage: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const id = positional(positionals, 0, 'the experiment id', 'experiments ramp <id> --coverage 0.8');
    const coverage = Number(values.coverage);
    if (!(coverage > 0 && coverage <= 1))
      throw new CliError(`--coverage must be a number in (0, 1], got "${values.coverage}"`, ExitCode.USAGE);
    await findExperiment(ctx, id);
    const handle = (await ctx.temporal()).workflow.getHandle(workflowIds.experiment(id));
    try {
      const view = await handle.executeUpdate(changeAllocationUpdate, { args: [{ coverage }] });
      ctx.print(`Experiment ${id}: coverage ${view.coverage}.`, view);
    } catch (error) {
      throw new CliError(
        error instanceof WorkflowUpdateFailedError
          ? `refused: ${(error.cause as Error | undefined)?.message ?? error.message}`
          : (error as Error).message,
        ExitCode.REJECTED,
      );
    }
  },
});

const SPLIT_COLUMNS = ['experiment', 'arm', 'unit_id', 'at'] as const;
const PAIRED_COLUMNS = ['experiment', 'at', 'label', 'champion', 'challenger'] as const;
/** Bad rows listed in full; beyond this only the count. */
const MAX_LISTED_ERRORS = 50;

function parseTime(text: string): number | string {
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const ms = Number(text);
    return Number.isFinite(ms) ? ms : `at "${text}" is not a time`;
  }
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : `at "${text}" is neither an ISO time nor epoch milliseconds`;
}

function parseOptionalNumber(name: string, text: string | undefined): number | null | string {
  if (text === undefined || text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : `${name} "${text}" is not a number`;
}

function parseBinary(name: string, text: string | undefined, required: boolean): number | null | string {
  if (text === undefined || text === '') return required ? `${name} is missing` : null;
  const t = text.toLowerCase();
  if (t === '1' || t === 'true') return 1;
  if (t === '0' || t === 'false') return 0;
  return `${name} must be 0 or 1, got "${text}"`;
}

function parseProbability(name: string, text: string | undefined): number | string {
  const value = Number(text);
  if (text === undefined || text === '' || !(value >= 0 && value <= 1))
    return `${name} must be a probability in [0, 1], got "${text ?? ''}"`;
  return value;
}

async function readPolicyFile(file: string): Promise<OfflinePolicy> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`cannot read ${file}`, ExitCode.NOT_FOUND);
  });
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`, ExitCode.USAGE);
  }
  try {
    return parseOfflinePolicy(input);
  } catch (error) {
    const issue = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues?.[0];
    throw new CliError(
      issue ? `policy.${issue.path.map(String).join('.')}: ${issue.message}` : (error as Error).message,
      ExitCode.USAGE,
    );
  }
}

function describeResult(r: OfflineExperimentResult): string {
  const interval = r.interval
    ? `[${r.interval[0].toPrecision(4)}, ${r.interval[1].toPrecision(4)}]`
    : 'none yet';
  const at = r.decidedAtRow !== null ? ` at row ${r.decidedAtRow}` : '';
  return `${r.experiment}: ${r.decision}${r.winner ? ` (winner ${r.winner})` : ''}${at} of ${r.rows}, ${r.looks} look(s), interval ${interval}${r.reason ? ` — ${r.reason}` : ''}`;
}

export const experimentsAnalyseCommand = command({
  path: ['experiments', 'analyse'],
  summary: 'Re-analyse exported experiment rows (CSV) through the experiment decision code',
  usage: '<file.csv> --policy policy.json [--look-every N] [--paired] [--json]',
  options: { policy: { type: 'string' }, 'look-every': { type: 'string' }, paired: { type: 'boolean' } },
  details:
    'Split rows: experiment, arm, unit_id, at (ISO or epoch ms), correct (0/1, optional), return (optional);\n' +
    'one row per routed decision, in time order within each experiment. --paired rows: experiment, at, label,\n' +
    "champion, challenger[, return] (both versions' probabilities on the same bar). The policy file is the\n" +
    'experiment policy JSON plus `control` (the control arm), and optionally `strategy` (hash|random|\n' +
    'epsilon_greedy|thompson, default hash) and `weights` ({arm: weight}). A look every N rows of an\n' +
    'experiment (default 1000). A file with bad rows is refused, with every bad line listed.',
  async run(ctx, { positionals, values }) {
    const file = positional(positionals, 0, 'the CSV file', this.usage);
    if (!values.policy) throw new CliError('--policy policy.json is required', ExitCode.USAGE);
    const offline = await readPolicyFile(values.policy);
    const lookEvery = values['look-every'] === undefined ? 1000 : Number(values['look-every']);
    if (!Number.isInteger(lookEvery) || lookEvery < 1)
      throw new CliError(
        `--look-every must be a positive integer, got "${values['look-every']}"`,
        ExitCode.USAGE,
      );
    const paired = values.paired === true;

    const stream = createReadStream(file, 'utf8');
    const opened = new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new CliError(
            `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
            ExitCode.NOT_FOUND,
          ),
        ),
      );
    });
    await opened;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const experiments = new Map<string, OfflineSplitExperiment | OfflinePairedExperiment>();
    const errors: Array<{ line: number; reason: string }> = [];
    let errorCount = 0;
    const bad = (line: number, reason: string) => {
      errorCount++;
      if (errors.length < MAX_LISTED_ERRORS) errors.push({ line, reason });
    };
    let header: Map<string, number> | undefined;
    let lineNumber = 0;
    for await (const raw of lines) {
      lineNumber++;
      const text = raw.trim();
      if (text === '') continue;
      const cells = text.split(',').map((c) => c.trim());
      if (!header) {
        header = new Map(cells.map((c, i) => [c.toLowerCase(), i]));
        const needed = paired ? PAIRED_COLUMNS : SPLIT_COLUMNS;
        const missing = needed.filter((c) => !header!.has(c));
        if (missing.length)
          throw new CliError(
            `${file} line ${lineNumber}: the header lacks ${missing.join(', ')} (needs ${needed.join(', ')}${paired ? '[, return]' : ', correct and/or return'})`,
            ExitCode.USAGE,
          );
        continue;
      }
      const cell = (name: string) => {
        const i = header!.get(name);
        return i === undefined ? undefined : cells[i];
      };
      const experiment = cell('experiment');
      if (!experiment) {
        bad(lineNumber, 'experiment is empty');
        continue;
      }
      const at = parseTime(cell('at') ?? '');
      if (typeof at === 'string') {
        bad(lineNumber, at);
        continue;
      }
      let state = experiments.get(experiment);
      if (state?.lastTime !== undefined && at < state.lastTime) {
        bad(
          lineNumber,
          `at ${new Date(at).toISOString()} is before the previous row of ${experiment} (rows must be in time order)`,
        );
        continue;
      }
      if (paired) {
        const label = parseBinary('label', cell('label'), offline.policy.paired.score !== 'pnl');
        const champion = parseProbability('champion', cell('champion'));
        const challenger = parseProbability('challenger', cell('challenger'));
        const ret = parseOptionalNumber('return', cell('return'));
        const problem = [label, champion, challenger, ret].find((v) => typeof v === 'string');
        if (typeof problem === 'string') {
          bad(lineNumber, problem);
          continue;
        }
        if (offline.policy.paired.score === 'pnl' && ret === null) {
          bad(lineNumber, 'the pnl score needs a return');
          continue;
        }
        if (!state) {
          state = new OfflinePairedExperiment(experiment, offline.policy, lookEvery);
          experiments.set(experiment, state);
        }
        (state as OfflinePairedExperiment).push({
          at,
          label: label as number | null,
          champion: champion as number,
          challenger: challenger as number,
          return: ret as number | null,
        });
      } else {
        const arm = cell('arm');
        const unitId = cell('unit_id');
        const correct = parseBinary('correct', cell('correct'), false);
        const ret = parseOptionalNumber('return', cell('return'));
        if (!arm) bad(lineNumber, 'arm is empty');
        else if (!unitId) bad(lineNumber, 'unit_id is empty');
        else if (typeof correct === 'string') bad(lineNumber, correct);
        else if (typeof ret === 'string') bad(lineNumber, ret);
        else {
          if (!state) {
            state = new OfflineSplitExperiment(experiment, offline, lookEvery);
            experiments.set(experiment, state);
          }
          (state as OfflineSplitExperiment).push({ arm, unitId, at, correct, return: ret });
        }
      }
    }
    if (!header) throw new CliError(`${file} is empty`, ExitCode.REJECTED);
    if (errorCount > 0) {
      const listed = errors.map((e) => `  line ${e.line}: ${e.reason}`).join('\n');
      const more = errorCount > errors.length ? `\n  … and ${errorCount - errors.length} more` : '';
      ctx.print(`Refused ${file}: ${errorCount} bad row(s), nothing decided.\n${listed}${more}`, {
        decided: false,
        badRows: errorCount,
        errors,
      });
      return ExitCode.REJECTED;
    }
    if (experiments.size === 0) throw new CliError(`${file} has no rows`, ExitCode.REJECTED);
    const results = [...experiments.values()].map((e) => e.finish());
    ctx.print(results.map(describeResult).join('\n'), results);
  },
});
