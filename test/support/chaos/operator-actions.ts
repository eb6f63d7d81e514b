import type { Client, WorkflowHandle } from '@temporalio/client';
import { getExperiment, listExperiments } from '../../../src/db/repositories/experiment.repository';
import { recentJobs } from '../../../src/db/repositories/retraining-job.repository';
import type { DatabaseHandle } from '../../../src/db/connection';
import { requestManualRetraining } from '../../../src/temporal/lifecycle-client';
import { workflowIds } from '../../../src/temporal/shared';
import {
  changeAllocationUpdate,
  concludeExperimentUpdate,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
  stopExperimentUpdate,
} from '../../../src/workflows';
import type { Rng } from '../../../src/stats';
import { completedWorkflowTasks, resetWorkflow } from '../workflow-reset';

/** What an operator does at a random moment, as the `temporal` CLI or the Web UI would. */
export const OPERATOR_ACTIONS = [
  'pause',
  'resume',
  'stop',
  'conclude',
  'ramp',
  'cancel-job',
  'terminate-job',
  'reset-job',
  'reset-experiment',
  'signal-no-input',
  'signal-empty',
  'signal-bad-trigger',
  'manual-retrain',
] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export interface ActionContext {
  client: Client;
  db: DatabaseHandle;
  taskQueue: string;
  model: string;
  rng: Rng;
}

/**
 * Does one operator action; resolves with what happened ("no live experiment", "refused: …"), which
 * is not a violation: an operator acting on a lifecycle that has just moved on gets a refusal. Bounded
 * by `timeoutMs` (a dead server must not hang the run).
 */
export async function performOperatorAction(
  action: OperatorAction,
  context: ActionContext,
  timeoutMs = 10_000,
): Promise<string> {
  try {
    return await context.client.withDeadline(Date.now() + timeoutMs, () => perform(action, context));
  } catch (error) {
    return `refused: ${(error as Error).message.split('\n')[0]!.slice(0, 120)}`;
  }
}

async function perform(action: OperatorAction, { client, db, taskQueue, model, rng }: ActionContext) {
  const supervisor = client.workflow.getHandle(workflowIds.supervisor(model));
  switch (action) {
    case 'signal-no-input':
      await supervisor.signal('requestRetraining');
      return 'signalled';
    case 'signal-empty':
      await supervisor.signal('requestRetraining', {});
      return 'signalled';
    case 'signal-bad-trigger':
      await supervisor.signal('requestRetraining', { trigger: 'Manual' });
      return 'signalled';
    case 'manual-retrain': {
      const { answer } = await requestManualRetraining(
        client,
        taskQueue,
        model,
        { reason: 'chaos: manual retrain', requestedBy: 'chaos' },
        { wait: false, timeoutMs: 10_000 },
      );
      return answer ? `job ${answer.workflowId}` : 'accepted';
    }
    case 'cancel-job':
    case 'terminate-job': {
      const job = (await recentJobs(db.db, model, 1))[0];
      if (!job?.workflow_id || !['pending', 'running'].includes(job.status)) return 'no running job';
      const handle = client.workflow.getHandle(job.workflow_id);
      if (action === 'cancel-job') await handle.cancel();
      else await handle.terminate('chaos: operator terminates the job');
      return `${action} ${job.workflow_id}`;
    }
    case 'reset-job': {
      // Running or ended: an operator resets from the UI whichever job looks wrong to them.
      const job = (await recentJobs(db.db, model, 1))[0];
      if (!job?.workflow_id) return 'no job';
      return resetToRandomPoint(client, client.workflow.getHandle(job.workflow_id), rng);
    }
    case 'reset-experiment': {
      const latest = (await listExperiments(db.db, { model }))[0];
      if (!latest) return 'no experiment';
      return resetToRandomPoint(
        client,
        client.workflow.getHandle(workflowIds.experiment(latest.experiment_id)),
        rng,
      );
    }
    default: {
      const live = (await listExperiments(db.db, { model })).find(
        (e) => e.status === 'running' || e.status === 'paused',
      );
      if (!live) return 'no live experiment';
      const handle = client.workflow.getHandle(workflowIds.experiment(live.experiment_id));
      switch (action) {
        case 'pause':
          await handle.executeUpdate(pauseExperimentUpdate, { args: [{ reason: 'chaos' }] });
          break;
        case 'resume':
          await handle.executeUpdate(resumeExperimentUpdate, { args: [] });
          break;
        case 'stop':
          await handle.executeUpdate(stopExperimentUpdate, { args: [{ reason: 'chaos' }] });
          break;
        case 'ramp':
          await handle.executeUpdate(changeAllocationUpdate, {
            args: [{ coverage: Math.round((0.3 + 0.7 * rng.next()) * 100) / 100 }],
          });
          break;
        case 'conclude': {
          const variants = (await getExperiment(db.db, live.experiment_id))?.variants ?? [];
          if (!variants.length) return 'no variants';
          const winner = variants[Math.floor(rng.next() * variants.length)]!.variant;
          await handle.executeUpdate(concludeExperimentUpdate, { args: [{ winner, reason: 'chaos' }] });
          break;
        }
      }
      return `${action} ${live.experiment_id}`;
    }
  }
}

/**
 * What "Reset" in the Web UI (or `temporal workflow reset --type FirstWorkflowTask|LastWorkflowTask`)
 * does: the current run ends and a new one replays the history up to a completed workflow task, then
 * runs again from there, activities and children included.
 */
async function resetToRandomPoint(client: Client, handle: WorkflowHandle, rng: Rng): Promise<string> {
  const completed = await completedWorkflowTasks(handle);
  if (!completed.length) return 'nothing to reset to';
  const first = rng.next() < 0.5;
  await resetWorkflow(
    client,
    handle,
    first ? completed[0] : completed.at(-1),
    'chaos: operator resets the workflow',
  );
  return `reset ${handle.workflowId} to its ${first ? 'first' : 'last'} workflow task`;
}
