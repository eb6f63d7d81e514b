/**
 * `patched()` ids of behaviour changed while supervisors and jobs were running. A run that started
 * before a change has no marker in its history and keeps the old behaviour on replay; a new run
 * records the marker and gets the new one. Remove an id (with `deprecatePatch` first) only once no
 * run older than it can still be replayed.
 */
export const SUPERVISOR_PATCHES = {
  /**
   * Reconcile the running job on each wake (describe its workflow), keep reports that arrive before
   * the job's start is seen, requeue requests merged into a job that vanished, alert on a stuck job.
   */
  reconcile: 'supervisor-reconcile-running-job',
  /** Jittered drift-check times (policy.driftCheckJitter). */
  jitter: 'supervisor-drift-check-jitter',
  /** setPolicy lays a patch over the current policy field by field, nested objects too. */
  deepPolicyMerge: 'supervisor-set-policy-deep-merge',
  /**
   * The drift check runs beside the loop instead of inside it. While the loop awaited it, a check
   * whose worker died held every request for its heartbeat timeout and retry (a minute or more): a
   * manual request got no job, and its Update no answer, until then (found by the chaos run, 5 of 18).
   */
  driftCheckBesideLoop: 'supervisor-drift-check-beside-loop',
} as const;

export const RETRAINING_PATCHES = {
  /**
   * beginRetrainingJob inside the job's try, the supervisor told in a `finally` whatever the job row
   * write did, the challenger alias cleared on failure and cancellation, LifecycleState `cancelled`.
   */
  compensation: 'retraining-always-reports-and-compensates',
  /**
   * beginRetrainingJob runs to its end even when the job is cancelled meanwhile: a cancelled activity
   * could still insert the pending row after the workflow gave up on it, and with no jobId the
   * compensation could not end that row, so it stayed `pending` for ever (found by the chaos run).
   */
  beginNotCancellable: 'retraining-begin-not-cancellable',
  /**
   * A run that finds the experiment its job started in an earlier run (the job was reset to a point
   * before it) waits for that experiment and concludes from it: promoted, or rejected with the
   * challenger cleared. Before, the run failed on "already has a live experiment" with nothing
   * staged to take back, and the challenger alias outlived the experiment (found by the chaos run).
   */
  concludeOwnExperiment: 'retraining-reset-concludes-own-experiment',
} as const;

export const SCHEDULE_PATCHES = {
  /** Scheduled ticks set the ModelName search attribute on themselves. */
  modelName: 'scheduled-retraining-model-name',
} as const;
