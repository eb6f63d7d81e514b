import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { getModel } from '../db/repositories/model.repository';
import { checkDrift } from '../lifecycle/check-drift';
import { recordDailyPerformance } from '../lifecycle/daily-performance';
import { parseDuration } from '../util/duration';
import type { DriftCheckSummary } from '../workflows/supervisor/supervisor-types';
import { classifyErrors } from './activity-errors';
import type { ActivityDeps } from './activity-deps';

export function createSupervisorActivities({ db }: ActivityDeps) {
  return {
    /** What a new supervisor needs: the model's stored policy and the next free job number. */
    async loadSupervisorContext({
      model,
    }: {
      model: string;
    }): Promise<{ storedPolicy: unknown; nextJobNumber: number }> {
      return classifyErrors(async () => {
        const row = await getModel(db, model);
        const { max } = await db
          .selectFrom('retraining_jobs')
          .select((eb) => eb.fn.max('job_number').as('max'))
          .where('model_id', '=', row.model_id)
          .executeTakeFirstOrThrow();
        return { storedPolicy: row.supervisor_policy ?? {}, nextJobNumber: (max ?? 0) + 1 };
      });
    },

    /**
     * A drift check over the last `window` of live predictions, recorded, plus today's performance
     * row. It heartbeats while it reads rows and between features (the heartbeat timeout is short).
     * Every attempt of one scheduled activity checks the same window (ending at the activity's
     * first scheduling time) under the same check id, derived from the workflow, run and activity
     * ids, and the events are inserted once per id: a retry cannot duplicate them.
     */
    async checkModelDrift(input: {
      model: string;
      window: string;
      minSamples: number;
      share: number;
      performance: {
        enabled: boolean;
        minOutcomes: number;
        alpha: number;
        method?: 'two-sample' | 'known-baseline' | 'cusum';
      };
      thresholds?: 'calibrated' | 'fixed';
    }): Promise<DriftCheckSummary> {
      return classifyErrors(async () => {
        const context = Context.current();
        const info = context.info;
        const to = new Date(info.scheduledTimestampMs);
        context.heartbeat('started');
        const result = await checkDrift(db, {
          model: input.model,
          source: 'predictions',
          from: new Date(to.getTime() - parseDuration(input.window)),
          to,
          minSamples: input.minSamples,
          share: input.share,
          performance: input.performance,
          ...(input.thresholds ? { thresholds: input.thresholds } : {}),
          record: true,
          checkId: driftCheckIdOf(
            info.workflowExecution?.workflowId ?? `standalone:${info.scheduledTimestampMs}`,
            info.workflowExecution?.runId ?? '',
            info.activityId,
          ),
          onProgress: (stage) => context.heartbeat(stage),
        });
        context.heartbeat('checked');
        // With too few rows there is nothing for the daily row either: skip its query (issue 16).
        if (result.status === 'checked') {
          await recordDailyPerformance(db, (await getModel(db, input.model)).model_id, to);
        }
        // The full report stays in drift_detection_events; history gets the summary only.
        const {
          report: _report,
          checkId: _checkId,
          version: _version,
          performance: _performance,
          malformedRows: _malformed,
          thresholdNote: _note,
          ...summary
        } = result;
        return summary;
      });
    },
  };
}

/**
 * The check id of one scheduled drift-check activity: a UUID (RFC 4122 layout, version 5 style)
 * from SHA-256 of the workflow id, run id and activity id, which every retry of it shares.
 */
export function driftCheckIdOf(workflowId: string, runId: string, activityId: string): string {
  const h = createHash('sha256').update(`drift-check\0${workflowId}\0${runId}\0${activityId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
