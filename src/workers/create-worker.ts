import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface GalfridayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once); otherwise src/workflows is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** @default the worker's own default */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/** Path the worker bundles workflows from; resolves to src/ under ts-node and dist/ when built. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Creates a worker running every workflow and activity of the system on one task queue. */
export async function createGalfridayWorker(options: GalfridayWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    // Heartbeats carry training checkpoints; the SDK would otherwise send one only every
    // 0.8 × heartbeatTimeout (16 s for training), which is how much a crash could lose.
    maxHeartbeatThrottleInterval: '2 seconds',
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
  });
}
