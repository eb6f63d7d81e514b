import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Long from 'long';

/**
 * What the Web UI's Reset and `temporal workflow reset` do: the latest run of the workflow is
 * terminated and a new run replays its history up to the end of the given workflow task, then
 * goes on from there. Returns a handle on the new run.
 */
export async function resetWorkflow(
  client: Client,
  handle: WorkflowHandle,
  workflowTaskFinishEventId: Long | null | undefined,
  reason: string,
): Promise<WorkflowHandle> {
  const { runId } = await handle.describe();
  const reset = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: handle.workflowId, runId },
    workflowTaskFinishEventId,
    requestId: randomUUID(),
    reason,
  });
  return client.workflow.getHandle(handle.workflowId, reset.runId!);
}

/** The event ids of the workflow tasks a run completed, oldest first: the points a reset can go back to. */
export async function completedWorkflowTasks(handle: WorkflowHandle) {
  return ((await handle.fetchHistory()).events ?? [])
    .filter((e) => e.workflowTaskCompletedEventAttributes)
    .map((e) => e.eventId);
}
