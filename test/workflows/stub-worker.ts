import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { getWorkflowBundle } from '../support/workflow-bundle';

/**
 * A worker on its own task queue whose activities are plain functions, the pattern of Temporal's
 * samples: these tests check what a workflow decides from what its activities answer, with no
 * database, on the time-skipping server (test/support/time-skipping.ts).
 */
export async function stubWorker(
  env: TestWorkflowEnvironment,
  activities: Partial<Activities>,
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `wf-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await getWorkflowBundle(),
    activities: { raiseAlert: async () => undefined, ...activities },
  });
  return { worker, taskQueue };
}
