import type { Kysely } from 'kysely';
import { decodePreparedData, encodePreparedData } from '../../ml/training/prepared-data-codec';
import type { PreparedData } from '../../ml/training/train-and-evaluate';
import type { Database } from '../database';

/**
 * What a retraining job's kept data covers, without the data itself.
 *
 * ### Examples
 * ```ts
 * declare const windowEnd: Date;
 * declare const windowStart: Date;
 * const kept: TrainingDatasetSummary = { target: 'prob_up', bars: 2000, windowStart, windowEnd, trainRows: 1570, holdoutRows: 396 };
 * ```
 */
export interface TrainingDatasetSummary {
  readonly target: 'prob_up' | 'price_change_pct';
  readonly bars: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly trainRows: number;
  readonly holdoutRows: number;
}

/**
 * The summary of a job's kept training data; undefined when the job has not prepared any.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * declare const jobId: string;
 * (await findTrainingDataset(db, jobId))?.bars; // 2000
 * ```
 */
export async function findTrainingDataset(
  db: Kysely<Database>,
  jobId: string,
): Promise<TrainingDatasetSummary | undefined> {
  const row = await db
    .selectFrom('training_datasets')
    .select(['target', 'bars', 'window_start', 'window_end', 'train_rows', 'holdout_rows'])
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        target: row.target,
        bars: row.bars,
        windowStart: row.window_start,
        windowEnd: row.window_end,
        trainRows: row.train_rows,
        holdoutRows: row.holdout_rows,
      };
}

/**
 * Keeps a job's prepared data unless the job already has some: the first preparation wins, so an
 * activity that trained on it is never followed by one that sees other rows. True when this call
 * stored it.
 *
 * ### Examples
 * ```ts
 * declare const data: PreparedData;
 * declare const windowEnd: Date;
 * declare const windowStart: Date;
 * declare const db: Kysely<Database>;
 * declare const jobId: string;
 * await keepTrainingDataset(db, jobId, { target: 'prob_up', bars: 2000, windowStart, windowEnd, data }); // true
 * await keepTrainingDataset(db, jobId, { target: 'prob_up', bars: 2000, windowStart, windowEnd, data }); // false: the first one stays
 * ```
 */
export async function keepTrainingDataset(
  db: Kysely<Database>,
  jobId: string,
  input: Omit<TrainingDatasetSummary, 'trainRows' | 'holdoutRows'> & { readonly data: PreparedData },
): Promise<boolean> {
  const stored = await db
    .insertInto('training_datasets')
    .values({
      job_id: jobId,
      target: input.target,
      bars: input.bars,
      window_start: input.windowStart,
      window_end: input.windowEnd,
      train_rows: input.data.train.x.rows,
      holdout_rows: input.data.holdout.x.rows,
      payload: encodePreparedData(input.data),
    })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .returning('job_id')
    .executeTakeFirst();
  return stored !== undefined;
}

/**
 * A job's kept training data, decoded; undefined when the job has not prepared any. Throws
 * MlInputError when the stored bytes are not readable prepared data.
 *
 * ### Examples
 * ```ts
 * declare const db: Kysely<Database>;
 * declare const jobId: string;
 * const kept = await loadTrainingDataset(db, jobId);
 * kept?.data.holdout.x.rows; // 396
 * ```
 */
export async function loadTrainingDataset(
  db: Kysely<Database>,
  jobId: string,
): Promise<{ target: TrainingDatasetSummary['target']; data: PreparedData } | undefined> {
  const row = await db
    .selectFrom('training_datasets')
    .select(['target', 'payload'])
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return row === undefined ? undefined : { target: row.target, data: decodePreparedData(row.payload) };
}
