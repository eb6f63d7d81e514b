import { Context } from '@temporalio/activity';
import { getAliases } from '../db/repositories/alias.repository';
import { newestBarsWindow } from '../db/repositories/market-bars.repository';
import { getModel } from '../db/repositories/model.repository';
import {
  finishJob,
  findJobExperiment,
  findLiveExperiment,
  type JobExperiment,
  getJobWithModelName,
  insertPendingJob,
  markJobRunningOverWindow,
  setJobNewVersion,
  setJobPerformanceComparison,
  type TerminalRetrainingStatus,
} from '../db/repositories/retraining-job.repository';
import {
  findTrainingDataset,
  keepTrainingDataset,
  loadTrainingDataset,
  type TrainingDatasetSummary,
} from '../db/repositories/training-dataset.repository';
import {
  getTrainingRun,
  recordTrainingRunEvaluation,
  storeTrainedCandidate,
} from '../db/repositories/training-run.repository';
import { registerVersion } from '../db/repositories/version.repository';
import type { RetrainingTrigger } from '../db/tables/retraining.table';
import {
  evaluateCandidate,
  loadModelBars,
  modelKindFor,
  referenceProfilesOf,
  storableMetrics,
  type TrainerName,
} from '../lifecycle/model-pipeline';
import {
  predictModel,
  prepareTrainingData as prepareDatasets,
  prepareTrainingDataFor,
  targetOfKind,
  trainModelAsync,
  type ModelKind,
  type ModelParams,
  type TrainingCheckpoint,
} from '../ml';
import { parseSupervisorPolicy, type SupervisorPolicy } from '../policies/supervisor-policy';
import { classifyErrors, permanentFailure } from './activity-errors';
import type { ActivityDeps } from './activity-deps';

/** Fewer bars than this cannot give a meaningful train/holdout split. */
const MIN_TRAINING_BARS = 200;
/** Newest fifth of the rows for the holdout, one row of embargo after the training rows. */
const TRAINING_SPLIT = { holdoutFraction: 0.2, gap: 1 };
/** How often a checkpoint is built for the heartbeat (serialising trees is not free); matches the worker's heartbeat throttle. */
const CHECKPOINT_EVERY_MS = 2_000;

export interface TrainingHeartbeat {
  iteration: number;
  checkpoint: TrainingCheckpoint;
}

export function createRetrainingActivities({ db }: ActivityDeps) {
  const loadJob = async (jobId: string) => {
    const job = await getJobWithModelName(db, jobId);
    if (!job) throw permanentFailure(`retraining job ${jobId} does not exist`, 'DataValidationError');
    return job;
  };

  /**
   * The data the job prepared when it started. Jobs prepared before migration 011 kept none: theirs
   * is prepared again from the job's window, as it was then.
   */
  const datasetsOf = async (job: Awaited<ReturnType<typeof loadJob>>, kind: ModelKind) => {
    const model = await getModel(db, job.model);
    const kept = await classifyErrors(async () => loadTrainingDataset(db, job.job_id));
    if (kept === undefined) {
      Context.current().log.warn('retraining job has no kept dataset; preparing it again from its window', {
        jobId: job.job_id,
      });
      const bars = await loadModelBars(db, model, {
        from: job.data_window_start ?? undefined,
        to: job.data_window_end ?? undefined,
      });
      return {
        model,
        data: await classifyErrors(async () => prepareDatasets(bars, kind, {}, TRAINING_SPLIT)),
      };
    }
    if (kept.target !== targetOfKind(kind)) {
      throw permanentFailure(
        `the job's data was prepared for ${kept.target}, but a ${kind} model predicts ${targetOfKind(kind)} ` +
          `(the model's prediction target changed while the job ran); start a new job`,
      );
    }
    return { model, data: kept.data };
  };

  return {
    /** Creates (or, when retried, finds) the job row, pending; returns what the workflow needs. */
    async beginRetrainingJob(input: {
      workflowId: string;
      model: string;
      jobNumber: number;
      trigger: RetrainingTrigger;
      reason: string;
      requestedBy: string;
    }): Promise<{
      jobId: string;
      champion: { versionId: string; version: number } | null;
      policy: SupervisorPolicy;
      /** A live experiment of the model: the job cannot stage a challenger, so it must not train. */
      liveExperiment?: { experimentId: string; status: string };
      /**
       * The experiment this job started in an earlier run of its workflow (the run was reset): the
       * new run concludes from it rather than training again.
       */
      ownExperiment?: JobExperiment;
    }> {
      return classifyErrors(async () => {
        const model = await getModel(db, input.model);
        const champion = (await getAliases(db, input.model)).find((a) => a.alias === 'champion');
        let row: { jobId: string };
        try {
          row = await insertPendingJob(db, {
            modelId: model.model_id,
            jobNumber: input.jobNumber,
            trigger: input.trigger,
            reason: input.reason,
            requestedBy: input.requestedBy,
            workflowId: input.workflowId,
            baseVersionId: champion?.versionId ?? null,
          });
        } catch (error) {
          // A row the table's CHECKs refuse (an unknown trigger) is refused on every retry too.
          if ((error as { code?: string }).code === '23514')
            throw permanentFailure(`retraining job refused by the database: ${(error as Error).message}`);
          throw error;
        }
        const live = await findLiveExperiment(db, model.model_id);
        const own = await findJobExperiment(db, row.jobId);
        return {
          jobId: row.jobId,
          champion: champion ? { versionId: champion.versionId, version: champion.version } : null,
          policy: parseSupervisorPolicy(model.supervisor_policy ?? {}),
          ...(live ? { liveExperiment: { experimentId: live.experimentId, status: live.status } } : {}),
          ...(own ? { ownExperiment: own } : {}),
        };
      });
    },

    /**
     * Marks the job running, fixes its data window to the newest `windowBars` bars and prepares the
     * job's training data once, kept for training, validation and registration; only a summary is
     * returned. A retry finds what the first attempt kept and changes nothing.
     */
    async prepareTrainingData({ jobId, windowBars }: { jobId: string; windowBars: number }) {
      const job = await loadJob(jobId);
      const model = await getModel(db, job.model);
      if (!model.symbol || !model.timeframe)
        throw permanentFailure(`model ${job.model} has no symbol/timeframe`);
      const summary = (kept: TrainingDatasetSummary) => ({
        symbol: model.symbol!,
        timeframe: model.timeframe!,
        from: kept.windowStart.toISOString(),
        to: kept.windowEnd.toISOString(),
        bars: kept.bars,
      });
      const alreadyKept = await findTrainingDataset(db, jobId);
      if (alreadyKept !== undefined) return summary(alreadyKept);

      const target = model.prediction_target;
      if (target !== 'prob_up' && target !== 'price_change_pct') {
        throw permanentFailure(
          `model ${job.model} predicts ${target}; the built-in trainers predict prob_up or price_change_pct`,
        );
      }
      const window = await newestBarsWindow(db, model.symbol, model.timeframe, windowBars);
      if (Number(window.n) < MIN_TRAINING_BARS || !window.from || !window.to) {
        throw permanentFailure(
          `only ${window.n} bars of ${model.symbol} ${model.timeframe} stored; at least ${MIN_TRAINING_BARS} are needed`,
        );
      }
      const context = Context.current();
      const bars = await loadModelBars(db, model, { from: window.from, to: window.to });
      context.heartbeat();
      const data = await classifyErrors(async () => prepareTrainingDataFor(bars, target, {}, TRAINING_SPLIT));
      context.heartbeat();
      await db.transaction().execute(async (trx) => {
        const stored = await keepTrainingDataset(trx, jobId, {
          target,
          bars: bars.length,
          windowStart: window.from!,
          windowEnd: window.to!,
          data,
        });
        // A concurrent attempt that kept its data first also fixed the window; leave both as they are.
        if (!stored) return;
        await markJobRunningOverWindow(trx, jobId, { from: window.from!, to: window.to! });
      });
      return summary((await findTrainingDataset(db, jobId))!);
    },

    /**
     * Trains the candidate, heartbeating its checkpoint; a retry (another worker after a crash)
     * resumes from the last heartbeat and produces the same model as an uninterrupted run.
     */
    async trainCandidate({ jobId, trainer }: { jobId: string; trainer: TrainerName }) {
      const context = Context.current();
      const job = await loadJob(jobId);
      const model = await getModel(db, job.model);
      const kind = await classifyErrors(async () => modelKindFor(trainer, model.prediction_target));
      const { data } = await datasetsOf(job, kind);
      const resume = context.info.heartbeatDetails as TrainingHeartbeat | undefined;
      let lastCheckpointAt = 0;
      let iterations = 0;
      const trained = await classifyErrors(() =>
        trainModelAsync(
          {
            kind,
            x: data.train.x,
            y: data.train.y,
            featureSchema: data.train.schema,
            ...(resume ? { checkpoint: resume.checkpoint } : {}),
          },
          {
            signal: context.cancellationSignal,
            onProgress: (progress, checkpoint) => {
              iterations = progress.iteration;
              const now = Date.now();
              if (now - lastCheckpointAt >= CHECKPOINT_EVERY_MS) {
                lastCheckpointAt = now;
                context.heartbeat({
                  iteration: progress.iteration,
                  checkpoint: checkpoint(),
                } satisfies TrainingHeartbeat);
              }
            },
          },
        ),
      );
      // Fenced by this attempt's scheduled time: if Temporal gave up on this attempt (its heartbeats
      // stopped reaching the server) and a newer one has stored its candidate, this one must not
      // replace it, nor wipe the evaluation validateCandidate made of it.
      const stored = await storeTrainedCandidate(
        db,
        jobId,
        {
          kind,
          params: trained.params,
          onnx: trained.onnx,
          featureSchema: data.train.schema,
          iterations,
          resumedFrom: resume?.iteration ?? null,
        },
        {
          attempt: context.info.attempt,
          scheduledAt: new Date(context.info.currentAttemptScheduledTimestampMs),
        },
      );
      if (!stored) {
        context.log.warn('a newer attempt already stored its candidate; this stale attempt changed nothing', {
          jobId,
          attempt: context.info.attempt,
        });
      }
      return {
        kind,
        iterations,
        resumedFrom: resume?.iteration ?? null,
        trainRows: data.train.x.rows,
        holdoutRows: data.holdout.x.rows,
      };
    },

    /** Scores candidate and champion on the same holdout and applies the model's gate. */
    async validateCandidate({
      jobId,
    }: {
      jobId: string;
    }): Promise<{ passed: boolean; failedChecks: string[] }> {
      const job = await loadJob(jobId);
      const run = await getTrainingRun(db, jobId);
      if (!run) throw permanentFailure(`job ${jobId} has no trained candidate`);
      const { model, data } = await datasetsOf(job, run.kind);
      Context.current().heartbeat();
      const result = await classifyErrors(() =>
        evaluateCandidate(db, { model, data, onnx: run.onnx, kind: run.kind }),
      );
      const metrics = storableMetrics(result);
      await recordTrainingRunEvaluation(db, jobId, {
        metrics: JSON.stringify(metrics),
        gate: JSON.stringify(result.gate),
      });
      await setJobPerformanceComparison(db, jobId, JSON.stringify(metrics));
      return {
        passed: result.gate.passed,
        failedChecks: result.gate.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`),
      };
    },

    /** Registers the validated candidate as a new version (once per job) with its reference profiles. */
    async registerCandidate({ jobId }: { jobId: string }): Promise<{ versionId: string; version: number }> {
      const job = await loadJob(jobId);
      const run = await getTrainingRun(db, jobId);
      if (!run?.evaluation) throw permanentFailure(`job ${jobId} has no validated candidate`);
      const { data } = await datasetsOf(job, run.kind);
      const trainPredictions = predictModel(run.params as ModelParams, data.train.x);
      const { version } = await classifyErrors(() =>
        registerVersion(db, {
          model: job.model,
          trainer: run.kind,
          onnx: run.onnx,
          featureSchema: run.feature_schema as { version: string; names: string[] },
          hyperparameters: { kind: run.kind, iterations: run.iterations },
          metrics: run.evaluation,
          parentVersionId: job.base_version_id,
          ...(job.data_window_start && job.data_window_end
            ? { trainingWindow: { start: job.data_window_start, end: job.data_window_end } }
            : {}),
          createdBy: job.workflow_id ?? `retraining:${jobId}`,
          workflowId: job.workflow_id ?? undefined,
          idempotencyKey: `retraining:${jobId}`,
          referenceProfiles: referenceProfilesOf(data.train, trainPredictions),
        }),
      );
      await setJobNewVersion(db, jobId, version.version_id);
      return { versionId: version.version_id, version: version.version };
    },

    async finishRetrainingJob(input: {
      jobId: string;
      status: TerminalRetrainingStatus;
      error?: string;
      newVersionId?: string;
      experimentId?: string;
    }): Promise<void> {
      await finishJob(db, input);
    },
  };
}
