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

    /** A drift check over the last `window` of live predictions, recorded, plus today's performance row. */
    async checkModelDrift(input: {
      model: string;
      window: string;
      minSamples: number;
      share: number;
      performance: { enabled: boolean; minOutcomes: number; alpha: number };
    }): Promise<DriftCheckSummary> {
      return classifyErrors(async () => {
        const to = new Date();
        const result = await checkDrift(db, {
          model: input.model,
          source: 'predictions',
          from: new Date(to.getTime() - parseDuration(input.window)),
          to,
          minSamples: input.minSamples,
          share: input.share,
          performance: input.performance,
          record: true,
        });
        Context.current().heartbeat();
        await recordDailyPerformance(db, (await getModel(db, input.model)).model_id, to);
        // The full report stays in drift_detection_events; history gets the summary only.
        const {
          report: _report,
          checkId: _checkId,
          version: _version,
          performance: _performance,
          malformedRows: _malformed,
          ...summary
        } = result;
        return summary;
      });
    },
  };
}
