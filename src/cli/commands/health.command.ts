import { workflowIds } from '../../temporal/shared';
import { workflowUrl } from '../../temporal/ui-links';
import { healthCheckWorkflow } from '../../workflows';
import { command } from '../command';

export const healthCommand = command({
  path: ['health'],
  summary: 'Run the health-check workflow: client → Temporal → worker → Postgres',
  usage: '',
  async run(ctx) {
    const client = await ctx.temporal();
    const workflowId = workflowIds.healthCheck(new Date().toISOString().replace(/[:.]/g, '-'));
    ctx.note(`Waiting for workflow ${workflowId}…`);
    const result = await client.workflow.execute(healthCheckWorkflow, {
      taskQueue: ctx.config.taskQueue,
      workflowId,
      workflowExecutionTimeout: '1 minute',
    });
    const ui = await ctx.temporalUiUrl();
    ctx.print(
      `Healthy: PostgreSQL ${result.serverVersion}, schema v${result.schemaVersion}` +
        (ui ? `\n  ${workflowUrl(ui, ctx.config.temporalNamespace, workflowId)}` : ''),
      result,
    );
  },
});
