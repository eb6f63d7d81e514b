import type { Client } from '@temporalio/client';
import { ModelNameKey } from './search-attributes';
import { workflowIds } from './shared';
import type { SupervisorPolicyInput } from '../workflows/policies/supervisor-policy';
import { modelSupervisorWorkflow, requestRetrainingSignal } from '../workflows';
import type { RetrainingRequest } from '../workflows/supervisor/supervisor-types';

/** Starts the model's supervisor unless it already runs (idempotent); returns its workflow id. */
export async function ensureSupervisor(
  client: Client,
  taskQueue: string,
  model: string,
  policy?: SupervisorPolicyInput,
): Promise<string> {
  const workflowId = workflowIds.supervisor(model);
  await client.workflow.start(modelSupervisorWorkflow, {
    workflowId,
    taskQueue,
    args: [{ model, ...(policy ? { policy } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: ModelNameKey, value: model }],
  });
  return workflowId;
}

/** Sends a retraining request to the model's supervisor, starting the supervisor if needed. */
export async function requestRetraining(
  client: Client,
  taskQueue: string,
  model: string,
  request: RetrainingRequest,
): Promise<string> {
  const workflowId = workflowIds.supervisor(model);
  await client.workflow.signalWithStart(modelSupervisorWorkflow, {
    workflowId,
    taskQueue,
    args: [{ model }],
    signal: requestRetrainingSignal,
    signalArgs: [request],
    typedSearchAttributes: [{ key: ModelNameKey, value: model }],
  });
  return workflowId;
}
