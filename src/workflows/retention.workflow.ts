import { log, proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RetentionStepResult } from '../activities/retention.activities';
import { LifecycleStateKey } from '../temporal/search-attributes';
import { quickActivity, retentionActivity } from './activity-options';

const { planRetention } = proxyActivities<Activities>(quickActivity);
const { pruneRetentionTarget } = proxyActivities<Activities>(retentionActivity);

export interface RetentionRunInput {
  /** Count what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Rows per statement instead of GALFRIDAY_RETENTION_BATCH_SIZE. */
  batchSize?: number;
}

export interface RetentionRunResult {
  dryRun: boolean;
  /** Per kind of row: its table, cutoff (null: kept for ever) and rows removed (or counted). */
  steps: RetentionStepResult[];
  /** Rows removed (or, in a dry run, that would be) over all tables. */
  totalRows: number;
}

/**
 * One retention run (the `retention:<queue>` schedule, or `galfriday retention run`): removes rows
 * older than their configured age, table by table, each in short batches. The counts are the
 * workflow's result and memo (the Temporal UI shows both) and are logged.
 */
export async function retentionWorkflow(input: RetentionRunInput = {}): Promise<RetentionRunResult> {
  const dryRun = input.dryRun === true;
  upsertSearchAttributes([{ key: LifecycleStateKey, value: dryRun ? 'dry-run' : 'pruning' }]);
  const { steps } = await planRetention(input.batchSize !== undefined ? { batchSize: input.batchSize } : {});
  const results: RetentionStepResult[] = [];
  for (const step of steps) results.push(await pruneRetentionTarget({ step, dryRun }));
  const totalRows = results.reduce((sum, r) => sum + r.rows, 0);
  const counts = Object.fromEntries(results.map((r) => [r.table, r.rows]));
  upsertMemo({ [dryRun ? 'wouldRemove' : 'removed']: counts, totalRows });
  upsertSearchAttributes([{ key: LifecycleStateKey, value: dryRun ? 'dry-run-done' : 'completed' }]);
  log.info(dryRun ? 'retention dry run' : 'retention run', { counts, totalRows });
  return { dryRun, steps: results, totalRows };
}
