import {
  getExternalWorkflowHandle,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ModelNameKey } from '../temporal/search-attributes';
import { workflowIds } from '../temporal/shared';
import { SCHEDULE_PATCHES } from './supervisor/supervisor-patches';
import type { RetrainingRequest } from './supervisor/supervisor-types';

/**
 * What a model's retraining Schedule starts: it only asks the supervisor, which applies the same
 * rules (one at a time, cooldown, budget) to scheduled requests as to every other trigger.
 */
export async function scheduledRetrainingWorkflow(input: { model: string }): Promise<void> {
  // Schedules created before the action carried ModelName start ticks without it; set it here so
  // that `ModelName="<m>"` lists every tick in the UI.
  if (patched(SCHEDULE_PATCHES.modelName))
    upsertSearchAttributes([{ key: ModelNameKey, value: input.model }]);
  const request: RetrainingRequest = {
    trigger: 'scheduled',
    reason: `schedule ${workflowInfo().workflowId}`,
    requestedBy: 'schedule',
  };
  await getExternalWorkflowHandle(workflowIds.supervisor(input.model)).signal('requestRetraining', request);
}
