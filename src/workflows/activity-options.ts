import type { ActivityOptions } from '@temporalio/workflow';

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
