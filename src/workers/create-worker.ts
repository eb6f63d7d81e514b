import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { loadConfig } from '../config/config';
import { backtestTaskQueue } from '../temporal/backtest-queue';
import { trainingTaskQueue } from '../temporal/task-queues';
import { ensureRetentionSchedule } from './retention-schedule';

/** Which task queues one worker process polls (GALFRIDAY_WORKER_QUEUES). */
export type WorkerQueues = 'all' | 'main' | 'training';

export interface GalfridayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once); otherwise src/workflows is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * How long a stopping worker lets running activities finish before it cancels them: a rolling
   * restart then costs a training attempt only when the training outlasts it. @default 30 s
   */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * `all`: the main task queue and, in the same process, a second worker on `<queue>-training`;
   * `main`: the main queue only (training workers run elsewhere); `training`: the training queue
   * only. @default 'all'
   */
  queues?: WorkerQueues;
  /** Interceptors of every worker this creates (tracing, metrics; tests see an activity start). */
  interceptors?: WorkerOptions['interceptors'];
  /** Trainings run at once by this process's training worker. @default 1 */
  trainingConcurrency?: number;
  /**
   * Milliseconds between runs of the retention schedule ensured when the worker is created (null
   * deletes it); `false` leaves schedules alone. @default GALFRIDAY_RETENTION_EVERY
   */
  retentionEveryMs?: number | null | false;
  /**
   * Also run the backtest worker in this process, on `<queue>-backtest` with its own bundle
   * (src/workflows/backtest). Off by default: tests bundle once and do not want a second bundle.
   * @default false
   */
  backtests?: boolean;
}

/** Path the backtest worker bundles its workflow from. */
export const BACKTEST_WORKFLOWS_PATH = require.resolve('../workflows/backtest');

/** Path the worker bundles workflows from; resolves to src/ under ts-node and dist/ when built. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

const DEFAULT_SHUTDOWN_GRACE = '30 seconds';

/**
 * The worker of a Gal-Friday process: a Temporal {@link Worker} on the main task queue that runs,
 * stops and fails together with its companion on the training queue, so that every caller keeps
 * handling one worker.
 */
export class GalfridayWorker extends Worker {
  private companion: Worker | undefined;
  private readonly others: Worker[] = [];

  /** Runs `companion` (the training worker) alongside this worker from now on; set once, before {@link run}. */
  attachCompanion(companion: Worker): void {
    this.companion = companion;
  }

  /** Runs another worker (the backtest worker) alongside this one; before {@link run}. */
  attachWorker(worker: Worker): void {
    this.others.push(worker);
  }

  /** The training worker running alongside, if any. */
  get trainingWorker(): Worker | undefined {
    return this.companion;
  }

  /** Runs every worker until all have stopped; one that fails stops the others, then its error is thrown. */
  override async run(): Promise<void> {
    const companions = [...(this.companion ? [this.companion] : []), ...this.others];
    if (companions.length === 0) return super.run();
    const all: Worker[] = [this, ...companions];
    const stopOthers = (self: Worker) => () => {
      for (const other of all) if (other !== self && other.getState() === 'RUNNING') other.shutdown();
    };
    const results = await Promise.allSettled([
      super.run().finally(stopOthers(this)),
      ...companions.map((c) => c.run().finally(stopOthers(c))),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  override shutdown(): void {
    super.shutdown();
    for (const other of [this.companion, ...this.others])
      if (other?.getState() === 'RUNNING') other.shutdown();
  }
}

/**
 * Creates the worker of one process: every workflow and activity of the system on the main task
 * queue, and (by default) a training worker in the same process on `<queue>-training`, capped at
 * `trainingConcurrency` trainings. Ensures the retention schedule (idempotent) unless told not to.
 */
export async function createGalfridayWorker(options: GalfridayWorkerOptions): Promise<Worker> {
  const queues = options.queues ?? 'all';
  const activities = createActivities(options.deps);
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    // Heartbeats carry training checkpoints; the SDK would otherwise send one only every
    // 0.8 × heartbeatTimeout (16 s for training), which is how much a crash could lose.
    maxHeartbeatThrottleInterval: '2 seconds',
    shutdownGraceTime: options.shutdownGraceTime ?? DEFAULT_SHUTDOWN_GRACE,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
  } satisfies Partial<WorkerOptions>;
  const createTrainingWorker = () =>
    Worker.create({
      ...common,
      taskQueue: trainingTaskQueue(options.taskQueue),
      activities: { trainCandidate: activities.trainCandidate },
      maxConcurrentActivityTaskExecutions: options.trainingConcurrency ?? 1,
    });
  if (queues === 'training') return createTrainingWorker();

  const main = (await GalfridayWorker.create({
    ...common,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities,
  })) as GalfridayWorker;
  if (queues === 'all') main.attachCompanion(await createTrainingWorker());
  if (options.backtests) {
    main.attachWorker(
      await Worker.create({
        ...common,
        taskQueue: backtestTaskQueue(options.taskQueue),
        workflowsPath: BACKTEST_WORKFLOWS_PATH,
        activities: { runBacktestJob: activities.runBacktestJob },
        maxConcurrentActivityTaskExecutions: 1,
      }),
    );
  }

  const retentionEveryMs =
    options.retentionEveryMs === undefined ? loadConfig().retention.everyMs : options.retentionEveryMs;
  if (retentionEveryMs !== false) {
    const client = new Client({ connection: options.connection, namespace: options.namespace });
    await ensureRetentionSchedule(client, { taskQueue: options.taskQueue, everyMs: retentionEveryMs });
  }
  return main;
}
