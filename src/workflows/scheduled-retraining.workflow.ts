import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import { workflowIds } from '../temporal/shared';
import type { RetrainingRequest } from './supervisor/supervisor-types';

/**
 * What a model's retraining Schedule starts: it only asks the supervisor, which applies the same
 * rules (one at a time, cooldown, budget) to scheduled requests as to every other trigger.
 */
export async function scheduledRetrainingWorkflow(input: { model: string }): Promise<void> {
  const request: RetrainingRequest = {
    trigger: 'scheduled',
    reason: `schedule ${workflowInfo().workflowId}`,
    requestedBy: 'schedule',
  };
  await getExternalWorkflowHandle(workflowIds.supervisor(input.model)).signal('requestRetraining', request);
}
