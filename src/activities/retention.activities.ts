import { Context } from '@temporalio/activity';
import {
  loadConfig,
  RETENTION_TARGETS,
  type RetentionSettings,
  type RetentionTarget,
} from '../config/config';
import { pruneBatch, retentionTable } from '../db/repositories/retention.repository';
import type { ActivityDeps } from './activity-deps';

/** One kind of row to prune, as planned at the start of a run: the cutoff is fixed for the whole run. */
export interface RetentionStep {
  readonly target: RetentionTarget;
  readonly table: string;
  /** Rows older than this (ISO time) are removed; null: this kind of row is kept for ever. */
  readonly cutoff: string | null;
  readonly maxAgeMs: number | null;
  readonly batchSize: number;
}

/** What one step removed (or, in a dry run, would remove). */
export interface RetentionStepResult {
  readonly target: RetentionTarget;
  readonly table: string;
  readonly cutoff: string | null;
  readonly rows: number;
  readonly batches: number;
}

/** Progress of a step, heartbeated after every batch so that a retry carries on from there. */
interface PruneProgress {
  rows: number;
  batches: number;
  after: string | null;
}

/**
 * Retention's activities. The ages are the worker's settings (GALFRIDAY_RETENTION_*, read when a
 * run is planned), so a schedule never carries a copy that goes stale; `settings` is for tests.
 */
export function createRetentionActivities({ db }: ActivityDeps, settings?: () => RetentionSettings) {
  const currentSettings = settings ?? (() => loadConfig().retention);
  return {
    /** The cutoff of every kind of row, from now and the configured ages. */
    async planRetention(input: { batchSize?: number }): Promise<{ steps: RetentionStep[] }> {
      const { maxAgeMs, batchSize } = currentSettings();
      const now = Date.now();
      return {
        steps: (Object.keys(RETENTION_TARGETS) as RetentionTarget[]).map((target) => {
          const age = maxAgeMs[target];
          return {
            target,
            table: retentionTable(target),
            cutoff: age === null ? null : new Date(now - age).toISOString(),
            maxAgeMs: age,
            batchSize: input.batchSize ?? batchSize,
          };
        }),
      };
    },

    /**
     * Removes (or, when `dryRun`, counts) one kind of row older than its cutoff, in batches of
     * `batchSize` rows, one short statement each, heartbeating after every batch.
     */
    async pruneRetentionTarget({
      step,
      dryRun,
    }: {
      step: RetentionStep;
      dryRun: boolean;
    }): Promise<RetentionStepResult> {
      const context = Context.current();
      const progress: PruneProgress = (context.info.heartbeatDetails as PruneProgress | undefined) ?? {
        rows: 0,
        batches: 0,
        after: null,
      };
      if (step.cutoff !== null) {
        const cutoff = new Date(step.cutoff);
        for (;;) {
          const batch = await pruneBatch(db, step.target, {
            cutoff,
            after: progress.after,
            limit: step.batchSize,
            dryRun,
          });
          progress.rows += batch.rows;
          progress.batches += 1;
          if (batch.lastKey !== null) progress.after = batch.lastKey;
          context.heartbeat(progress);
          if (batch.rows < step.batchSize || context.cancellationSignal.aborted) break;
        }
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      }
      context.log.info(dryRun ? 'retention dry run counted rows' : 'retention removed rows', {
        table: step.table,
        cutoff: step.cutoff,
        rows: progress.rows,
        batches: progress.batches,
      });
      return {
        target: step.target,
        table: step.table,
        cutoff: step.cutoff,
        rows: progress.rows,
        batches: progress.batches,
      };
    },
  };
}
