import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  createExperiment,
  endExperiment,
  ExperimentEndedError,
  getExperiment,
  LIVE_EXPERIMENT_STATUSES,
  promoteWinner,
  raiseExperimentCoverage,
  setLiveExperimentStatus,
  type PromoteWinnerInput,
} from '../db/repositories/experiment.repository';
import {
  loadArmAggregates,
  loadPairedBars,
  loadPeriodAggregates,
} from '../db/repositories/experiment-metrics.repository';
import { championWasSetBy } from '../db/repositories/alias.repository';
import { linkJobExperiment } from '../db/repositories/retraining-job.repository';
import { versionNumbersOf } from '../db/repositories/version.repository';
import { analyseArms, pairedComparisonOf } from '../lifecycle/analyse-arms';
import { parseDuration } from '../util/duration';
import { experimentPolicySchema, type ExperimentPolicyInput } from '../policies/experiment-policy';
import { workflowIds } from '../temporal/shared';
import type {
  ExperimentAnalysis,
  ExperimentEndSeen,
  ExperimentInfo,
} from '../workflows/experiment/experiment-types';
import { classifyErrors, permanentFailure } from './activity-errors';
import type { ActivityDeps } from './activity-deps';

export interface CreateChallengerExperimentInput {
  jobId: string;
  model: string;
  controlVersionId: string;
  treatmentVersionId: string;
  treatmentWeight: number;
  policy: ExperimentPolicyInput;
}

export function createExperimentActivities({ db }: ActivityDeps) {
  const load = async (experimentId: string) => {
    const experiment = await getExperiment(db, experimentId);
    if (!experiment)
      throw permanentFailure(`experiment ${experimentId} does not exist`, 'ExperimentNotFoundError');
    return experiment;
  };
  /** Like `load`, for work that only makes sense while the experiment is live (defect: a reset re-ran a finished one). */
  const loadLive = async (experimentId: string) => {
    const experiment = await load(experimentId);
    if (!(LIVE_EXPERIMENT_STATUSES as readonly string[]).includes(experiment.status))
      throw ended(new ExperimentEndedError(experimentId, experiment.status));
    return experiment;
  };
  /** Runs a repository call, turning "the experiment has ended" into a permanent failure. */
  const whileLive = async <T>(body: () => Promise<T>): Promise<T> => {
    try {
      return await classifyErrors(body);
    } catch (error) {
      if (error instanceof ExperimentEndedError) throw ended(error);
      throw error;
    }
  };

  return {
    /** Champion vs challenger for a retraining job; one experiment per job however often it is retried. */
    async createChallengerExperiment(input: CreateChallengerExperimentInput): Promise<string> {
      const versions = await versionNumbersOf(db, [input.controlVersionId, input.treatmentVersionId]);
      const versionOf = (id: string) => versions.find((v) => v.version_id === id)!.version;
      const policy = experimentPolicySchema.parse(input.policy);
      const experiment = await classifyErrors(() =>
        createExperiment(db, {
          model: input.model,
          name: `${input.model}: v${versionOf(input.controlVersionId)} vs v${versionOf(input.treatmentVersionId)}`,
          description: `challenger from retraining job ${input.jobId}`,
          variants: [
            {
              variant: 'control',
              version: versionOf(input.controlVersionId),
              weight: 1 - input.treatmentWeight,
              isControl: true,
            },
            {
              variant: 'challenger',
              version: versionOf(input.treatmentVersionId),
              weight: input.treatmentWeight,
              isControl: false,
            },
          ],
          policy,
          createdBy: `retraining:${input.jobId}`,
          idempotencyKey: `retraining-experiment:${input.jobId}`,
        }),
      );
      await linkJobExperiment(db, input.jobId, experiment.experiment_id);
      return experiment.experiment_id;
    },

    /** Marks the experiment running (routers start splitting traffic on the notification). */
    async startExperiment({ experimentId }: { experimentId: string }): Promise<ExperimentInfo> {
      const experiment = await loadLive(experimentId);
      if (experiment.status === 'created')
        await whileLive(() => setLiveExperimentStatus(db, experimentId, 'running'));
      const fresh = await load(experimentId);
      return {
        experimentId,
        model: fresh.modelName,
        policy: experimentPolicySchema.parse(fresh.policy ?? {}),
        variants: fresh.variants.map((v) => ({
          variant: v.variant,
          versionId: v.version_id,
          version: v.version,
          isControl: v.is_control,
          weight: v.weight,
        })),
        coverage: fresh.coverage,
        startedAt: (fresh.started_at ?? new Date()).getTime(),
      };
    },

    async setExperimentState({
      experimentId,
      status,
      note,
    }: {
      experimentId: string;
      status: 'running' | 'paused';
      note: string;
    }): Promise<void> {
      await whileLive(() => setLiveExperimentStatus(db, experimentId, status, { reason: note }));
    },

    async setExperimentCoverage({
      experimentId,
      coverage,
    }: {
      experimentId: string;
      coverage: number;
    }): Promise<void> {
      await whileLive(() => raiseExperimentCoverage(db, experimentId, coverage));
    },

    /** One look: per-arm sums from the tables, then the always-valid test, SRM and guardrails. */
    async analyseExperiment({
      experimentId,
      previousPValues,
    }: {
      experimentId: string;
      previousPValues: Record<string, number>;
    }): Promise<ExperimentAnalysis> {
      const experiment = await loadLive(experimentId);
      const policy = experimentPolicySchema.parse(experiment.policy ?? {});
      // Heartbeat while the scans run: at 10^7 outcomes one look takes longer than the heartbeat timeout.
      const beat = setInterval(() => Context.current().heartbeat(), 10_000);
      let aggregates: Awaited<ReturnType<typeof loadArmAggregates>>;
      let periods: Awaited<ReturnType<typeof loadPeriodAggregates>>;
      let paired: ReturnType<typeof pairedComparisonOf> = null;
      const challenger = experiment.variants.find((v) => !v.is_control)?.variant;
      try {
        Context.current().heartbeat();
        aggregates = await loadArmAggregates(db, experimentId, {
          drawdown: policy.guardrails.maxDrawdown !== undefined,
        });
        periods = await loadPeriodAggregates(db, experimentId, parseDuration(policy.analysisPeriod));
        if (policy.comparison !== 'split' && challenger)
          paired = pairedComparisonOf(await loadPairedBars(db, experimentId, challenger), policy);
      } finally {
        clearInterval(beat);
      }
      // The strategy picks the SRM count (units, decisions, epochs) and the level of analysis.
      const strategy = experiment.allocation_strategy;
      return classifyErrors(async () =>
        analyseArms(aggregates, policy, previousPValues, Date.now(), {
          strategy,
          periods,
          paired: paired && challenger ? { variant: challenger, state: paired } : null,
        }),
      );
    },

    /**
     * Ends the experiment (routers stop splitting on the notification). The first end wins: a retry,
     * or a failure handler after the end was stored, changes nothing.
     */
    async completeExperiment(input: {
      experimentId: string;
      status: 'completed' | 'stopped' | 'failed';
      winner: string | null;
      reason: string;
      results: unknown;
    }): Promise<void> {
      await classifyErrors(() =>
        endExperiment(db, input.experimentId, input.status, {
          winner: input.winner,
          reason: input.reason,
          results: input.results,
        }),
      );
    },

    /**
     * Waits for an experiment to end and says how it ended: what a reset retraining job does instead
     * of starting its experiment a second time. Reads the row every `pollMs` and heartbeats; a retry
     * (worker restart) simply waits on. An experiment whose workflow closed without ending its row
     * (terminated) is ended here as failed, so the wait always ends; one whose workflow was never
     * started (the earlier run was reset between creating and starting it) is `not-started`.
     */
    async awaitExperimentEnd({
      experimentId,
      pollMs = 2_000,
    }: {
      experimentId: string;
      pollMs?: number;
    }): Promise<ExperimentEndSeen> {
      const context = Context.current();
      const workflow = context.client.workflow.getHandle(workflowIds.experiment(experimentId));
      for (;;) {
        const experiment = await load(experimentId);
        if (!(LIVE_EXPERIMENT_STATUSES as readonly string[]).includes(experiment.status)) {
          const winner = experiment.variants.find((v) => v.variant === experiment.winner_variant);
          // Promoted when the experiment's own workflow moved champion to a treatment arm (it may
          // have moved on since: a later job's promotion does not undo this one).
          const promoted =
            winner !== undefined &&
            !winner.is_control &&
            (await championWasSetBy(db, winner.version_id, workflow.workflowId));
          return {
            kind: 'ended',
            status: experiment.status as 'completed' | 'stopped' | 'failed',
            reason: experiment.completion_reason ?? experiment.status,
            ...(winner ? { winner: winner.variant } : {}),
            ...(promoted ? { promotedVersion: winner.version } : {}),
          };
        }
        const running = await workflow.describe().then(
          (d) => d.status.name,
          (error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
            throw error;
          },
        );
        if (running === 'NOT_FOUND' && experiment.status === 'created') return { kind: 'not-started' };
        if (running !== 'RUNNING') {
          // The first end wins: if the workflow ended the row meanwhile, this changes nothing.
          await classifyErrors(() =>
            endExperiment(db, experimentId, 'failed', {
              winner: null,
              reason: `experiment workflow ${running.toLowerCase().replace('_', ' ')} without ending the experiment`,
            }),
          );
          continue;
        }
        context.heartbeat();
        await context.sleep(pollMs);
      }
    },

    /**
     * Champion → winner, challenger cleared, experiment completed: one transaction, so a database
     * outage at any point leaves either the whole promotion or none of it, and retrying is safe.
     * Fails permanently (type AliasConflictError) only when champion was moved by someone else.
     */
    async promoteWinner(input: PromoteWinnerInput): Promise<{ promoted: boolean }> {
      return whileLive(() => promoteWinner(db, input));
    },
  };
}

function ended(error: ExperimentEndedError) {
  return permanentFailure(error.message, error.name, { status: error.status });
}
