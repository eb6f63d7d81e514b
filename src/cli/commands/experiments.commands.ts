import { readFile } from 'node:fs/promises';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  createExperiment,
  getExperiment,
  listExperiments,
} from '../../db/repositories/experiment.repository';
import type { AllocationStrategy, ExperimentStatus } from '../../db/tables/experiments.table';
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
import { experimentPolicySchema } from '../../workflows/policies/experiment-policy';
import type { ExperimentStatusView } from '../../workflows/experiment/experiment-types';
import type { Command } from '../command';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode } from '../exit-codes';
import { positional } from './options';

const STRATEGIES: readonly AllocationStrategy[] = ['hash', 'random', 'epsilon_greedy', 'thompson'];

async function findExperiment(ctx: CliContext, id: string) {
  const { db } = await ctx.database();
  const experiment = await getExperiment(db, id);
  if (!experiment)
    throw new CliError(`no experiment ${id} (see \`galfriday experiments list\`)`, ExitCode.NOT_FOUND);
  return experiment;
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

export const experimentsCreateCommand: Command = {
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
    const strategy = (values.strategy as string | undefined) ?? 'hash';
    if (!STRATEGIES.includes(strategy as AllocationStrategy))
      throw new CliError(`--strategy must be one of ${STRATEGIES.join(', ')}`, ExitCode.USAGE);
    let policyInput: unknown = {};
    if (values.policy) {
      const text = await readFile(values.policy as string, 'utf8').catch(() => {
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
      name: (values.name as string | undefined) ?? `${model}: v${control} vs v${treatment}`,
      variants: [
        { variant: 'control', version: control, weight: 1 - weight, isControl: true },
        { variant: 'treatment', version: treatment, weight, isControl: false },
      ],
      allocationStrategy: strategy as AllocationStrategy,
      policy: parsed.data,
      createdBy: `cli:${process.env.USER ?? 'unknown'}`,
    }).catch((error: Error) => {
      throw new CliError(
        error.message,
        error.name === 'ModelNotFoundError' || error.name === 'VersionNotFoundError'
          ? ExitCode.NOT_FOUND
          : ExitCode.REJECTED,
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
};

export const experimentsListCommand: Command = {
  path: ['experiments', 'list'],
  summary: 'List experiments (newest first)',
  usage: '[--model M] [--status created|running|paused|completed|stopped|failed]',
  options: { model: { type: 'string' }, status: { type: 'string' } },
  async run(ctx, { values }) {
    const { db } = await ctx.database();
    const rows = await listExperiments(db, {
      ...(values.model ? { model: values.model as string } : {}),
      ...(values.status ? { status: values.status as ExperimentStatus } : {}),
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
      rows,
    );
  },
};

export const experimentsShowCommand: Command = {
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
      { experiment, live: view ?? null },
    );
  },
};

function controlCommand(verb: 'pause' | 'resume' | 'stop'): Command {
  return {
    path: ['experiments', verb],
    summary: {
      pause:
        'Pause a running experiment (traffic goes back to control; through the workflow, as the dashboard does)',
      resume: 'Resume a paused or held experiment',
      stop: 'Stop an experiment without promoting anything',
    }[verb],
    usage: verb === 'resume' ? '<id>' : '<id> [--reason TEXT]',
    options: verb === 'resume' ? {} : { reason: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const id = positional(positionals, 0, 'the experiment id', `experiments ${verb} <id>`);
      await findExperiment(ctx, id);
      const handle = (await ctx.temporal()).workflow.getHandle(workflowIds.experiment(id));
      const reason = values.reason as string | undefined;
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
  };
}

export const experimentsPauseCommand = controlCommand('pause');
export const experimentsResumeCommand = controlCommand('resume');
export const experimentsStopCommand = controlCommand('stop');

export const experimentsConcludeCommand: Command = {
  path: ['experiments', 'conclude'],
  summary: 'End an experiment with a chosen winner (a winning treatment is promoted)',
  usage: '<id> --winner VARIANT [--reason TEXT]',
  options: { winner: { type: 'string' }, reason: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const id = positional(positionals, 0, 'the experiment id', 'experiments conclude <id> --winner VARIANT');
    const winner = values.winner as string | undefined;
    if (!winner) throw new CliError('--winner is required', ExitCode.USAGE);
    await findExperiment(ctx, id);
    const handle = (await ctx.temporal()).workflow.getHandle(workflowIds.experiment(id));
    try {
      const view = await handle.executeUpdate(concludeExperimentUpdate, {
        args: [{ winner, ...(values.reason ? { reason: values.reason as string } : {}) }],
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
};

export const experimentsRampCommand: Command = {
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
};
