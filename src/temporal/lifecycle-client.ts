import { WorkflowUpdateFailedError, WorkflowUpdateStage, type Client } from '@temporalio/client';
import { ModelNameKey } from './search-attributes';
import { workflowIds } from './shared';
import type { SupervisorPolicyInput } from '../policies/supervisor-policy';
import { modelSupervisorWorkflow, requestRetrainingSignal, requestRetrainingUpdate } from '../workflows';
import type { RetrainingRequest, RetrainingRequestAnswer } from '../workflows/supervisor/supervisor-types';

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

/**
 * Sends a retraining request to the model's supervisor as a signal, starting the supervisor if needed.
 * Nothing answers it (a bad payload is recorded as rejected in the supervisor's state); a person
 * asking uses {@link requestManualRetraining}, which says which job serves the request.
 */
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

/** The supervisor refused the request (its validator); the message says which field and why. */
export class RetrainingRequestRefusedError extends Error {
  override readonly name = 'RetrainingRequestRefusedError';
}

/**
 * A manual retraining through the supervisor's `requestRetraining` update: starts the supervisor if
 * needed, and answers with the job that serves the request (started for it, or the running job it
 * was merged into) once the supervisor knows. With `wait: false`, returns once the supervisor has
 * accepted the request (answer undefined). Gives up after `timeoutMs` (the worker may be down).
 */
export async function requestManualRetraining(
  client: Client,
  taskQueue: string,
  model: string,
  request: { reason: string; requestedBy: string },
  options: { wait?: boolean; timeoutMs?: number } = {},
): Promise<{ supervisorId: string; answer: RetrainingRequestAnswer | undefined }> {
  const supervisorId = await ensureSupervisor(client, taskQueue, model);
  const handle = client.workflow.getHandle<typeof modelSupervisorWorkflow>(supervisorId);
  try {
    const answer = await client.withDeadline(Date.now() + (options.timeoutMs ?? 60_000), async () => {
      const update = await handle.startUpdate(requestRetrainingUpdate, {
        args: [request],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      return options.wait === false ? undefined : update.result();
    });
    return { supervisorId, answer };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      throw new RetrainingRequestRefusedError(error.cause?.message ?? error.message);
    throw error;
  }
}
