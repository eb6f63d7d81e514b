import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../database';
import type { TrainingRunTable } from '../tables/retraining.table';

/**
 * Which attempt of the training activity wrote a run: Temporal's attempt number, and when Temporal
 * scheduled that attempt. The scheduled time is the fencing token: it grows with every retry, and
 * also across runs of the workflow (after a reset the attempt number starts again at 1, the time
 * does not go back).
 *
 * ### Examples
 * ```ts
 * import { Context } from '@temporalio/activity';
 *
 * const info = Context.current().info;
 * const writer: TrainingAttempt = { attempt: 2, scheduledAt: new Date(info.currentAttemptScheduledTimestampMs) };
 * ```
 */
export interface TrainingAttempt {
  readonly attempt: number;
  readonly scheduledAt: Date;
}

/** A trained candidate as the training activity stores it. */
export interface TrainedCandidate {
  readonly kind: TrainingRunTable['kind'];
  readonly params: unknown;
  readonly onnx: Uint8Array;
  readonly featureSchema: unknown;
  readonly iterations: number;
  readonly resumedFrom: number | null;
}

/**
 * Stores a job's trained candidate, replacing the one an earlier attempt stored (and the evaluation
 * made of it, which no longer applies), unless a newer attempt has stored its own: an abandoned
 * attempt that finishes late must not overwrite the candidate that a newer attempt trained and that
 * validation may already have evaluated. One statement (a conditional upsert), so two attempts
 * racing cannot both win. True when this attempt's candidate is the stored one.
 *
 * ### Examples
 * ```ts
 * declare const stale: TrainedCandidate;
 * declare const t2: Date;
 * declare const t3: Date;
 * declare const candidate: TrainedCandidate;
 * declare const db: Kysely<Database>;
 * declare const jobId: string;
 * await storeTrainedCandidate(db, jobId, candidate, { attempt: 3, scheduledAt: t3 }); // true
 * await storeTrainedCandidate(db, jobId, stale, { attempt: 2, scheduledAt: t2 });     // false: attempt 3 stays
 * ```
 */
export async function storeTrainedCandidate(
  db: Kysely<Database>,
  jobId: string,
  candidate: TrainedCandidate,
  writer: TrainingAttempt,
): Promise<boolean> {
  const stored = await db
    .insertInto('training_runs')
    .values({
      job_id: jobId,
      kind: candidate.kind,
      params: JSON.stringify(candidate.params),
      onnx: Buffer.from(candidate.onnx),
      feature_schema: JSON.stringify(candidate.featureSchema),
      iterations: candidate.iterations,
      resumed_from: candidate.resumedFrom,
      attempt: writer.attempt,
      attempt_scheduled_at: writer.scheduledAt,
    })
    .onConflict((oc) =>
      oc
        .column('job_id')
        .doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          params: eb.ref('excluded.params'),
          onnx: eb.ref('excluded.onnx'),
          feature_schema: eb.ref('excluded.feature_schema'),
          iterations: eb.ref('excluded.iterations'),
          resumed_from: eb.ref('excluded.resumed_from'),
          attempt: eb.ref('excluded.attempt'),
          attempt_scheduled_at: eb.ref('excluded.attempt_scheduled_at'),
          evaluation: null,
          gate: null,
          updated_at: sql<Date>`now()`,
        }))
        // The fence: a row written by a newer attempt stays. Rows from before migration 014 carry
        // no token and are replaced as they always were.
        .where((eb) =>
          eb.or([
            eb('training_runs.attempt_scheduled_at', 'is', null),
            eb('training_runs.attempt_scheduled_at', '<=', eb.ref('excluded.attempt_scheduled_at')),
          ]),
        ),
    )
    .returning('job_id')
    .executeTakeFirst();
  return stored !== undefined;
}

/** The trained candidate stored for a job, or undefined when none has been trained yet. */
export async function getTrainingRun(
  db: Kysely<Database>,
  jobId: string,
): Promise<Selectable<TrainingRunTable> | undefined> {
  return db.selectFrom('training_runs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
}

/** Stores a candidate's validation metrics and gate verdict (both JSON text). */
export async function recordTrainingRunEvaluation(
  db: Kysely<Database>,
  jobId: string,
  evaluation: { metrics: string; gate: string },
): Promise<void> {
  await db
    .updateTable('training_runs')
    .set({ evaluation: evaluation.metrics, gate: evaluation.gate })
    .where('job_id', '=', jobId)
    .execute();
}
