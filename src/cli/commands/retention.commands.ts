import { formatDuration } from '../../util/duration';
import { workflowUrl } from '../../temporal/ui-links';
import { retentionWorkflowId } from '../../workers/retention-schedule';
import { retentionWorkflow } from '../../workflows/retention.workflow';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';

export const retentionRunCommand = command({
  path: ['retention', 'run'],
  summary:
    'Prune old rows now (the retention workflow the daily schedule runs), or count them with --dry-run',
  usage: '[--dry-run] [--batch-size N]',
  options: { 'dry-run': { type: 'boolean' }, 'batch-size': { type: 'string' } },
  details:
    "Ages come from the workers' GALFRIDAY_RETENTION_* settings (see the README). Each table is pruned in\n" +
    'batches of GALFRIDAY_RETENTION_BATCH_SIZE rows, one short DELETE each. --dry-run counts what a run\n' +
    'would remove and removes nothing. Rows of live experiments, open alerts, and the training data of\n' +
    'versions that are champion, challenger or shadow are always kept.',
  async run(ctx, { values }) {
    const dryRun = values['dry-run'] === true;
    let batchSize: number | undefined;
    if (values['batch-size'] !== undefined) {
      batchSize = Number(values['batch-size']);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
        throw new CliError('--batch-size must be a whole number from 1 to 100000', ExitCode.USAGE);
      }
    }
    const client = await ctx.temporal();
    const workflowId = `${retentionWorkflowId(ctx.config.taskQueue)}:manual-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    ctx.note(`Waiting for workflow ${workflowId}…`);
    const started = Date.now();
    const result = await client.workflow.execute(retentionWorkflow, {
      taskQueue: ctx.config.taskQueue,
      workflowId,
      args: [{ dryRun, ...(batchSize !== undefined ? { batchSize } : {}) }],
    });
    const ui = await ctx.temporalUiUrl();
    const lines = result.steps.map(
      (s) =>
        `${s.table.padEnd(24)} ${String(s.rows).padStart(10)}  ${
          s.cutoff === null ? 'kept for ever' : `older than ${s.cutoff}`
        }`,
    );
    ctx.print(
      [
        `${dryRun ? 'Dry run: would remove' : 'Removed'} ${result.totalRows} rows in ${formatDuration(Math.round((Date.now() - started) / 1000) * 1000)}.`,
        ...lines,
        ...(ui ? [`  ${workflowUrl(ui, ctx.config.temporalNamespace, workflowId)}`] : []),
      ].join('\n'),
      { workflowId, ...result },
    );
  },
});
