import { patched, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { trainingTaskQueue } from '../temporal/task-queues';

/**
 * Error types activities throw for faults that retrying cannot fix. They end the activity at once;
 * the workflow then decides (reject the candidate, alert) instead of retrying for hours.
 */
export const PERMANENT_ERRORS = [
  'DataValidationError',
  'ModelNotFoundError',
  'VersionNotFoundError',
  'RegistryConflictError',
  'AliasConflictError',
  'StatsInputError',
  'MlInputError',
] as const;

/** Database reads and writes: seconds each, a bounded number of retries. */
export const quickActivity = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...PERMANENT_ERRORS],
  },
} satisfies ActivityOptions;

/** Drift checks and experiment analysis: scans of large tables. */
export const analysisActivity = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '2 minutes',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...PERMANENT_ERRORS],
  },
} satisfies ActivityOptions;

/**
 * Waiting for an experiment to end (a reset job concluding from the experiment it started),
 * heartbeating while it polls, so that a dead worker is noticed within a minute and another one
 * waits on. Attempts are unlimited: an experiment that outlasts one attempt's 90 days (the default
 * maxDuration is 7) is simply waited for by the next.
 */
export const experimentWaitActivity = {
  startToCloseTimeout: '90 days',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [...PERMANENT_ERRORS],
  },
} satisfies ActivityOptions;

/**
 * Retention: one kind of row per activity, pruned in short batches with a heartbeat after each; a
 * first run over months of backlog can take an hour, and a retry resumes from the last batch.
 */
export const retentionActivity = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '5 minutes',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...PERMANENT_ERRORS],
  },
} satisfies ActivityOptions;

/**
 * Training: long, heartbeating with its checkpoint so a retry on another worker resumes where the
 * crashed one stopped. The short heartbeat timeout is what detects a dead worker quickly.
 */
export const trainingActivity = {
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...PERMANENT_ERRORS],
  },
} satisfies ActivityOptions;

/**
 * Patch id of moving training to the `<queue>-training` task queue. Histories recorded before it
 * scheduled trainCandidate on the workflow's own queue and replay that way.
 */
export const TRAINING_TASK_QUEUE_PATCH = 'training-on-own-task-queue';

/**
 * Options of a training activity scheduled now, from workflow code: {@link trainingActivity} on the
 * training task queue of the workflow's own queue, for workflows that reach this point after the
 * patch; on the workflow's queue, as before, when replaying an older history.
 */
export function trainingActivityNow(): ActivityOptions {
  if (!patched(TRAINING_TASK_QUEUE_PATCH)) return trainingActivity;
  return { ...trainingActivity, taskQueue: trainingTaskQueue(workflowInfo().taskQueue) };
}
