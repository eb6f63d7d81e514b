import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { getModel } from '../../db/repositories/model.repository';
import { formatDuration, parseDuration } from '../../util/duration';
import { scheduledRetrainingWorkflow } from '../../workflows';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { ensureSupervisor } from '../../temporal/lifecycle-client';
import { ModelNameKey } from '../../temporal/search-attributes';
import { positional } from './options';

const scheduleId = (model: string) => `retrain-schedule:${model}`;

export const schedulesSetCommand = command({
  path: ['schedules', 'set'],
  summary: 'Retrain a model on a fixed interval (a Temporal Schedule that asks its supervisor)',
  usage: '<model> --every 7d [--catchup 1h]',
  options: { every: { type: 'string' }, catchup: { type: 'string' } },
  details:
    'Overlap policy SKIP: a tick while the previous one still runs is dropped (the supervisor merges\n' +
    'requests anyway). Catch-up window (default 1h): ticks missed while Temporal was down are run late\n' +
    'only within it, so an outage does not cause a burst of retrainings.',
  async run(ctx, { positionals, values }) {
    const model = positional(positionals, 0, 'the model name', 'schedules set <model> --every 7d');
    const every = values.every;
    if (!every) throw new CliError('--every is required, e.g. --every 7d', ExitCode.USAGE);
    let everyMs: number;
    let catchupMs: number;
    try {
      everyMs = parseDuration(every);
      catchupMs = parseDuration(values.catchup ?? '1h');
    } catch (error) {
      throw new CliError((error as Error).message, ExitCode.USAGE);
    }
    if (everyMs < 60_000) throw new CliError('--every must be at least 1m', ExitCode.USAGE);
    const { db } = await ctx.database();
    await getModel(db, model).catch((error: Error) => {
      throw new CliError(error.message, ExitCode.NOT_FOUND);
    });
    const client = await ctx.temporal();
    await ensureSupervisor(client, ctx.config.taskQueue, model);
    const options = {
      spec: { intervals: [{ every: everyMs }] },
      action: {
        type: 'startWorkflow' as const,
        workflowType: scheduledRetrainingWorkflow,
        args: [{ model }] as [{ model: string }],
        taskQueue: ctx.config.taskQueue,
        workflowId: `scheduled-retrain:${model}`,
        // Each tick is listed under `ModelName="<model>"` in the UI like the model's other workflows.
        typedSearchAttributes: [{ key: ModelNameKey, value: model }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: catchupMs },
    };
    const handle = client.schedule.getHandle(scheduleId(model));
    let created = false;
    try {
      await handle.update((previous) => ({
        ...previous,
        // Schedules made before ticks carried ModelName get it on their next update.
        action: { ...previous.action, typedSearchAttributes: options.action.typedSearchAttributes },
        spec: options.spec,
        policies: { ...previous.policies, ...options.policies },
      }));
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await client.schedule.create({ scheduleId: scheduleId(model), ...options });
      created = true;
    }
    ctx.print(
      `${created ? 'Created' : 'Updated'} schedule ${scheduleId(model)}: retrain ${model} every ${formatDuration(everyMs)} (catch-up ${formatDuration(catchupMs)}, overlap skip).`,
      {
        scheduleId: scheduleId(model),
        everyMs,
        catchupMs,
        created,
      },
    );
  },
});

export const schedulesDeleteCommand = command({
  path: ['schedules', 'delete'],
  summary: 'Stop retraining a model on a schedule',
  usage: '<model>',
  async run(ctx, { positionals }) {
    const model = positional(positionals, 0, 'the model name', 'schedules delete <model>');
    try {
      await (await ctx.temporal()).schedule.getHandle(scheduleId(model)).delete();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError)
        throw new CliError(`${model} has no retraining schedule`, ExitCode.NOT_FOUND);
      throw error;
    }
    ctx.print(`Deleted schedule ${scheduleId(model)}.`, { scheduleId: scheduleId(model), deleted: true });
  },
});

export const schedulesListCommand = command({
  path: ['schedules', 'list'],
  summary: 'List retraining schedules',
  usage: '',
  async run(ctx) {
    const rows = [];
    for await (const s of (await ctx.temporal()).schedule.list()) {
      if (!s.scheduleId.startsWith('retrain-schedule:')) continue;
      rows.push({
        scheduleId: s.scheduleId,
        model: s.scheduleId.slice('retrain-schedule:'.length),
        nextRuns: s.info.nextActionTimes.slice(0, 1).map((d) => d.toISOString()),
        paused: s.state.paused,
      });
    }
    ctx.print(
      rows.length
        ? rows
            .map((r) => `${r.model.padEnd(20)} next ${r.nextRuns[0] ?? '-'}${r.paused ? ' (paused)' : ''}`)
            .join('\n')
        : 'No retraining schedules.',
      rows,
    );
  },
});
