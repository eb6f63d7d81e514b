import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database';
import type { RetrainingJobRow, RetrainingStatus, RetrainingTrigger } from '../tables/retraining.table';
import type { ExperimentStatus } from '../tables/experiments.table';

/** The states a job row ends in; the row's CHECK gives each of them an end time. */
export type TerminalRetrainingStatus = Exclude<RetrainingStatus, 'pending' | 'running'>;

/** The next free job number of a model (job numbers make the readable `retrain:<model>:<n>` ids). */
export async function nextJobNumber(db: Kysely<Database>, modelId: string): Promise<number> {
  const { max } = await db
    .selectFrom('retraining_jobs')
    .select((eb) => eb.fn.max('job_number').as('max'))
    .where('model_id', '=', modelId)
    .executeTakeFirstOrThrow();
  return (max ?? 0) + 1;
}

/** Creates the job row, pending; a retried call finds the row its first attempt made (same workflow id). */
export async function insertPendingJob(
  db: Kysely<Database>,
  input: {
    modelId: string;
    jobNumber: number;
    trigger: RetrainingTrigger;
    reason: string;
    requestedBy: string;
    workflowId: string;
    baseVersionId: string | null;
  },
): Promise<{ jobId: string }> {
  const row = await db
    .insertInto('retraining_jobs')
    .values({
      model_id: input.modelId,
      job_number: input.jobNumber,
      trigger: input.trigger,
      reason: input.reason,
      requested_by: input.requestedBy,
      status: 'pending',
      workflow_id: input.workflowId,
      base_version_id: input.baseVersionId,
    })
    .onConflict((oc) => oc.column('workflow_id').doUpdateSet({ updated_at: sql<Date>`now()` }))
    .returning(['job_id'])
    .executeTakeFirstOrThrow();
  return { jobId: row.job_id };
}

/** Ends a job row; the first end time stands when it is written twice (a retried activity). */
export async function finishJob(
  db: Kysely<Database>,
  input: {
    jobId: string;
    status: TerminalRetrainingStatus;
    error?: string;
    newVersionId?: string;
    experimentId?: string;
  },
): Promise<void> {
  await db
    .updateTable('retraining_jobs')
    .set({
      status: input.status,
      ended_at: sql<Date>`coalesce(ended_at, now())`,
      updated_at: sql<Date>`now()`,
      ...(input.error !== undefined ? { error_message: input.error } : {}),
      ...(input.newVersionId ? { new_version_id: input.newVersionId } : {}),
      ...(input.experimentId ? { experiment_id: input.experimentId } : {}),
    })
    .where('job_id', '=', input.jobId)
    .execute();
}

export interface JobByWorkflow {
  jobId: string;
  model: string;
  status: RetrainingStatus;
  newVersionId: string | null;
  errorMessage: string | null;
}

export async function findJobByWorkflowId(
  db: Kysely<Database>,
  workflowId: string,
): Promise<JobByWorkflow | undefined> {
  const row = await db
    .selectFrom('retraining_jobs')
    .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
    .select([
      'retraining_jobs.job_id',
      'models.name as model',
      'retraining_jobs.status',
      'retraining_jobs.new_version_id',
      'retraining_jobs.error_message',
    ])
    .where('retraining_jobs.workflow_id', '=', workflowId)
    .executeTakeFirst();
  return row
    ? {
        jobId: row.job_id,
        model: row.model,
        status: row.status,
        newVersionId: row.new_version_id,
        errorMessage: row.error_message,
      }
    : undefined;
}

/**
 * Ends a row that is still pending or running (its workflow closed without writing it: terminated,
 * timed out, reset); a row that already ended is left as it is. Returns whether it wrote.
 */
export async function endUnfinishedJob(
  db: Kysely<Database>,
  jobId: string,
  status: TerminalRetrainingStatus,
  error: string,
): Promise<boolean> {
  const result = await db
    .updateTable('retraining_jobs')
    .set({
      status,
      error_message: error,
      ended_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where('job_id', '=', jobId)
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The model's live experiment (created, running or paused), if any: a second one cannot be staged. */
export async function findLiveExperiment(
  db: Kysely<Database>,
  modelId: string,
): Promise<{ experimentId: string; status: string; name: string } | undefined> {
  const row = await db
    .selectFrom('experiments')
    .select(['experiment_id', 'status', 'name'])
    .where('model_id', '=', modelId)
    .where('status', 'in', ['created', 'running', 'paused'])
    .executeTakeFirst();
  return row ? { experimentId: row.experiment_id, status: row.status, name: row.name } : undefined;
}

export interface RecentJob {
  job_number: number;
  trigger: RetrainingTrigger;
  status: RetrainingStatus;
  workflow_id: string | null;
  created_at: Date;
  error_message: string | null;
}

/** The newest jobs of a model, newest first (`galfriday status`). */
export async function recentJobs(db: Kysely<Database>, model: string, limit = 5): Promise<RecentJob[]> {
  return db
    .selectFrom('retraining_jobs')
    .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
    .select(['job_number', 'trigger', 'status', 'workflow_id', 'retraining_jobs.created_at', 'error_message'])
    .where('models.name', '=', model)
    .orderBy('job_number', 'desc')
    .limit(limit)
    .execute();
}

export interface JobProgress {
  name: string;
  workflow_id: string | null;
  trigger: RetrainingTrigger;
  status: RetrainingStatus;
  error_message: string | null;
  /** The challenger's version number, once the job has registered one. */
  version: number | null;
  experiment_id: string | null;
}

/** Every retraining job of the named models with its challenger's version (for progress narration). */
export async function listJobProgressForModels(
  db: Kysely<Database>,
  models: readonly string[],
): Promise<JobProgress[]> {
  return db
    .selectFrom('retraining_jobs as j')
    .innerJoin('models as m', 'm.model_id', 'j.model_id')
    .leftJoin('model_versions as v', 'v.version_id', 'j.new_version_id')
    .select([
      'm.name',
      'j.workflow_id',
      'j.trigger',
      'j.status',
      'j.error_message',
      'v.version',
      'j.experiment_id',
    ])
    .where('m.name', 'in', models)
    .execute();
}

/** Records which experiment a retraining job started for its challenger. */
export async function linkJobExperiment(
  db: Kysely<Database>,
  jobId: string,
  experimentId: string,
): Promise<void> {
  await db
    .updateTable('retraining_jobs')
    .set({ experiment_id: experimentId })
    .where('job_id', '=', jobId)
    .execute();
}

/** A retraining job row with its model's name, or undefined when there is no such job. */
export async function getJobWithModelName(
  db: Kysely<Database>,
  jobId: string,
): Promise<(RetrainingJobRow & { model: string }) | undefined> {
  return db
    .selectFrom('retraining_jobs')
    .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
    .selectAll('retraining_jobs')
    .select('models.name as model')
    .where('job_id', '=', jobId)
    .executeTakeFirst();
}

/** Marks a job running (keeping its first start time) over the data window it prepared. */
export async function markJobRunningOverWindow(
  db: Kysely<Database> | Transaction<Database>,
  jobId: string,
  window: { from: Date; to: Date },
): Promise<void> {
  await db
    .updateTable('retraining_jobs')
    .set({
      status: 'running',
      started_at: sql<Date>`coalesce(started_at, now())`,
      data_window_start: window.from,
      data_window_end: window.to,
      updated_at: sql<Date>`now()`,
    })
    .where('job_id', '=', jobId)
    .execute();
}

/** Stores the candidate-vs-champion validation metrics on the job (`metrics` is JSON text). */
export async function setJobPerformanceComparison(
  db: Kysely<Database>,
  jobId: string,
  metrics: string,
): Promise<void> {
  await db
    .updateTable('retraining_jobs')
    .set({ performance_comparison: metrics })
    .where('job_id', '=', jobId)
    .execute();
}

/** Records the version a job registered for its challenger. */
export async function setJobNewVersion(
  db: Kysely<Database>,
  jobId: string,
  versionId: string,
): Promise<void> {
  await db
    .updateTable('retraining_jobs')
    .set({ new_version_id: versionId })
    .where('job_id', '=', jobId)
    .execute();
}

export interface JobExperiment {
  experimentId: string;
  status: ExperimentStatus;
  /** The candidate the job staged as challenger for it. */
  challengerVersionId: string;
  challengerVersion: number;
}

/**
 * The experiment a job started for its challenger in an earlier run of its workflow, if any. A run
 * that finds one is a reset (or a replay by hand) of a job that got that far: the experiment and
 * its candidate exist, and the run concludes from them instead of training again.
 */
export async function findJobExperiment(
  db: Kysely<Database>,
  jobId: string,
): Promise<JobExperiment | undefined> {
  const row = await db
    .selectFrom('retraining_jobs as j')
    .innerJoin('experiments as e', 'e.experiment_id', 'j.experiment_id')
    .innerJoin('model_versions as v', 'v.version_id', 'j.new_version_id')
    .select(['e.experiment_id', 'e.status', 'v.version_id', 'v.version'])
    .where('j.job_id', '=', jobId)
    .executeTakeFirst();
  return row
    ? {
        experimentId: row.experiment_id,
        status: row.status,
        challengerVersionId: row.version_id,
        challengerVersion: row.version,
      }
    : undefined;
}
