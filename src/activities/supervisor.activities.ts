import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { AliasConflictError } from '../db/errors';
import { moveAlias } from '../db/repositories/alias.repository';
import { getModel } from '../db/repositories/model.repository';
import {
  endUnfinishedJob,
  findJobByWorkflowId,
  nextJobNumber,
} from '../db/repositories/retraining-job.repository';
import { checkDrift } from '../lifecycle/check-drift';
import { recordDailyPerformance } from '../lifecycle/daily-performance';
import { parseDuration } from '../util/duration';
import {
  parseSupervisorPolicy,
  type SupervisorPolicy,
  type SupervisorPolicyInput,
} from '../policies/supervisor-policy';
import type { RetrainingResult } from '../workflows/retraining/retraining-types';
import type {
  DriftCheckSummary,
  JobReconciliation,
  RetrainingOutcome,
} from '../workflows/supervisor/supervisor-types';
import { classifyErrors, permanentFailure } from './activity-errors';
import type { ActivityDeps } from './activity-deps';

export function createSupervisorActivities({ db }: ActivityDeps) {
  return {
    /**
     * What a new supervisor needs: its policy, resolved here (the model's stored policy, the caller's
     * overrides on top, defaults filled in by zod) so that the workflow never applies a default itself
     * and a changed default cannot change a replay; and the next free job number.
     */
    async loadSupervisorContext({
      model,
      policy: overrides,
    }: {
      model: string;
      policy?: SupervisorPolicyInput;
    }): Promise<{ storedPolicy: unknown; nextJobNumber: number; policy: SupervisorPolicy }> {
      return classifyErrors(async () => {
        const row = await getModel(db, model);
        const storedPolicy = row.supervisor_policy ?? {};
        let policy: SupervisorPolicy;
        try {
          policy = parseSupervisorPolicy({ ...(storedPolicy as object), ...overrides });
        } catch (error) {
          throw permanentFailure(`supervisor policy of ${model}: ${(error as Error).message}`);
        }
        return { storedPolicy, nextJobNumber: await nextJobNumber(db, row.model_id), policy };
      });
    },

    /**
     * What became of a retraining job the supervisor believes is running, asked of Temporal (the
     * job's own report can never come if it was terminated, timed out or reset, or if its signal was
     * lost). A job that closed without ending its row gets the row ended here, and its challenger
     * alias cleared, so that the registry agrees with Temporal.
     */
    async reconcileRetrainingJob({
      workflowId,
    }: {
      workflowId: string;
      startedAt?: number;
    }): Promise<JobReconciliation> {
      const handle = Context.current().client.workflow.getHandle<() => Promise<RetrainingResult>>(workflowId);
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        status = 'NOT_FOUND';
      }
      if (status === 'RUNNING') return { state: 'running' };
      if (status === 'CONTINUED_AS_NEW')
        return { state: 'unknown', detail: `${workflowId} continued as new` };
      let outcome: RetrainingOutcome;
      if (status === 'COMPLETED') {
        const result = await handle.result();
        outcome = {
          workflowId,
          status: result.status,
          detail: result.detail,
          ...(result.promotedVersion !== undefined ? { promotedVersion: result.promotedVersion } : {}),
        };
      } else {
        let why = status === 'NOT_FOUND' ? 'no such workflow (deleted, or never started)' : '';
        if (status !== 'NOT_FOUND') {
          why = await handle.result().then(
            () => '',
            (error: unknown) =>
              error instanceof WorkflowFailedError && error.cause
                ? error.cause.message
                : error instanceof Error
                  ? error.message
                  : String(error),
          );
        }
        outcome = {
          workflowId,
          status: status === 'CANCELLED' || status === 'TERMINATED' ? 'cancelled' : 'failed',
          detail: `workflow ${status.toLowerCase().replace('_', ' ')}${why ? `: ${why}` : ''}`,
        };
      }
      const job = await findJobByWorkflowId(db, workflowId);
      if (job && outcome.status !== 'completed' && outcome.status !== 'rejected') {
        const ended = await endUnfinishedJob(
          db,
          job.jobId,
          outcome.status,
          `${outcome.detail} (ended by the supervisor's reconciliation)`,
        );
        if (ended && job.newVersionId) {
          // Only the job's own candidate is taken off the challenger alias; a newer one stays.
          await moveAlias(db, {
            model: job.model,
            alias: 'challenger',
            version: null,
            expectedVersionId: job.newVersionId,
            changedBy: `supervisor reconciliation of ${workflowId}`,
            reason: outcome.detail,
          }).catch((error: unknown) => {
            if (!(error instanceof AliasConflictError)) throw error;
          });
        }
      }
      return { state: 'closed', outcome };
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
          recent: _recent,
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
