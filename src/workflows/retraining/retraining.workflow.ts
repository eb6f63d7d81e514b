import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import {
  ExperimentIdKey,
  LifecycleStateKey,
  ModelNameKey,
  TriggerKey,
} from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/shared';
import {
  analysisActivity,
  experimentWaitActivity,
  quickActivity,
  trainingActivityNow,
} from '../activity-options';
import { experimentWorkflow } from '../experiment/experiment.workflow';
import { RETRAINING_PATCHES } from '../supervisor/supervisor-patches';
import type { RetrainingOutcome } from '../supervisor/supervisor-types';
import type { ExperimentEndSeen, ExperimentResult } from '../experiment/experiment-types';
import type { RetrainingInput, RetrainingResult } from './retraining-types';

const {
  beginRetrainingJob,
  registerCandidate,
  moveModelAlias,
  finishRetrainingJob,
  raiseAlert,
  createChallengerExperiment,
  archiveVersion,
} = proxyActivities<Activities>(quickActivity);
const { prepareTrainingData, validateCandidate } = proxyActivities<Activities>(analysisActivity);
const { awaitExperimentEnd } = proxyActivities<Activities>(experimentWaitActivity);

function lifecycle(state: string): void {
  upsertSearchAttributes([{ key: LifecycleStateKey, value: state }]);
}

type BegunJob = Awaited<ReturnType<Activities['beginRetrainingJob']>>;

/** What the job has put in the registry that a failure must take back. */
interface Staged {
  /** The candidate holds the challenger alias (set after staging, cleared once the experiment ends). */
  challengerVersionId?: string;
}

const messageOf = (error: unknown) =>
  error instanceof Error
    ? error.cause instanceof Error && error.message.startsWith('Activity task failed')
      ? error.cause.message
      : error.message
    : String(error);

/**
 * One retraining job (`retrain:<model>:<n>`): prepare data → train (resumable) → validate against the
 * champion → register and stage as challenger → experiment champion vs challenger → promoted, or
 * rejected (archived, alert). The retraining_jobs row follows pending → running → completed /
 * rejected / failed. Only ids and ranges go through history, never datasets.
 */
export async function retrainingWorkflow(input: RetrainingInput): Promise<RetrainingResult> {
  const compensating = patched(RETRAINING_PATCHES.compensation);
  upsertSearchAttributes([
    { key: ModelNameKey, value: input.model },
    { key: TriggerKey, value: input.trigger },
  ]);
  lifecycle('preparing');
  if (!compensating) return legacyRetraining(input);

  let outcome: RetrainingOutcome | undefined;
  let job: BegunJob | undefined;
  const staged: Staged = {};
  try {
    const begin = () =>
      beginRetrainingJob({
        workflowId: workflowInfo().workflowId,
        model: input.model,
        jobNumber: input.jobNumber,
        trigger: input.trigger,
        reason: input.reason,
        requestedBy: input.requestedBy,
      });
    // A cancellation during this short step takes effect at the next one, once the row is known.
    job = patched(RETRAINING_PATCHES.beginNotCancellable)
      ? await CancellationScope.nonCancellable(begin)
      : await begin();
    let result: RetrainingResult;
    if (job.ownExperiment && patched(RETRAINING_PATCHES.concludeOwnExperiment)) {
      result = await concludeFromOwnExperiment(input, job, job.ownExperiment, staged);
    } else {
      if (job.liveExperiment) {
        // The one-live-experiment-per-model index would refuse our challenger at staging, hours of
        // training later: fail now, with the reason on the job.
        throw ApplicationFailure.nonRetryable(
          `${input.model} already has a live experiment (${job.liveExperiment.experimentId}, ${job.liveExperiment.status}); ` +
            'end it (galfriday experiments stop) before retraining, or this job would fail at staging',
          'LiveExperimentError',
        );
      }
      result = await runJob(input, job, staged);
    }
    outcome = {
      workflowId: workflowInfo().workflowId,
      status: result.status,
      detail: result.detail,
      ...(result.promotedVersion !== undefined ? { promotedVersion: result.promotedVersion } : {}),
    };
    return result;
  } catch (error) {
    const cancelled = isCancellation(error);
    const message = messageOf(error);
    outcome = {
      workflowId: workflowInfo().workflowId,
      status: cancelled ? 'cancelled' : 'failed',
      detail: message,
    };
    await CancellationScope.nonCancellable(() => compensate(input, job, staged, cancelled, message));
    throw error;
  } finally {
    // Whatever the row write above did: this report is what frees the supervisor for its next job.
    await CancellationScope.nonCancellable(() =>
      notifySupervisor(
        input,
        outcome ?? {
          workflowId: workflowInfo().workflowId,
          status: 'failed',
          detail: 'ended without an outcome',
        },
      ),
    );
  }
}

/**
 * Takes back what a failed or cancelled job did, each step on its own: a step that fails (the
 * database down past its retries) is logged and the next one still runs, and the supervisor is told
 * in any case (the caller's `finally`).
 */
async function compensate(
  input: RetrainingInput,
  job: BegunJob | undefined,
  staged: Staged,
  cancelled: boolean,
  message: string,
): Promise<void> {
  lifecycle(cancelled ? 'cancelled' : 'failed');
  if (staged.challengerVersionId !== undefined) {
    try {
      // Compare-and-set on our candidate: a challenger staged by someone else since is left alone.
      await moveModelAlias({
        model: input.model,
        alias: 'challenger',
        version: null,
        expectedVersionId: staged.challengerVersionId,
        changedBy: workflowInfo().workflowId,
        reason: `retraining ${input.jobNumber} ${cancelled ? 'cancelled' : 'failed'}: ${message}`.slice(
          0,
          500,
        ),
      });
    } catch (error) {
      log.warn('could not clear the challenger alias of a failed job', { error: messageOf(error) });
    }
  }
  if (job) {
    try {
      await finishRetrainingJob({
        jobId: job.jobId,
        status: cancelled ? 'cancelled' : 'failed',
        error: message,
      });
    } catch (error) {
      log.warn('could not end the job row; the supervisor reconciles it', { error: messageOf(error) });
    }
  }
}

/** The job as it ran before RETRAINING_PATCHES.compensation; kept so that those runs replay. */
async function legacyRetraining(input: RetrainingInput): Promise<RetrainingResult> {
  const job = await beginRetrainingJob({
    workflowId: workflowInfo().workflowId,
    model: input.model,
    jobNumber: input.jobNumber,
    trigger: input.trigger,
    reason: input.reason,
    requestedBy: input.requestedBy,
  });
  let result: RetrainingResult;
  try {
    result = await runJob(input, job, {});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await CancellationScope.nonCancellable(async () => {
      lifecycle('failed');
      await finishRetrainingJob({
        jobId: job.jobId,
        status: isCancellation(error) ? 'cancelled' : 'failed',
        error: message,
      });
      await notifySupervisor(input, {
        workflowId: workflowInfo().workflowId,
        status: isCancellation(error) ? 'cancelled' : 'failed',
        detail: message,
      });
    });
    throw error;
  }
  await notifySupervisor(input, {
    workflowId: workflowInfo().workflowId,
    status: result.status,
    detail: result.detail,
    ...(result.promotedVersion !== undefined ? { promotedVersion: result.promotedVersion } : {}),
  });
  return result;
}

async function runJob(input: RetrainingInput, job: BegunJob, staged: Staged): Promise<RetrainingResult> {
  const policy = job.policy;
  const data = await prepareTrainingData({
    jobId: job.jobId,
    windowBars: input.windowBars ?? policy.retrain.windowBars,
  });

  lifecycle('training');
  const { trainCandidate } = proxyActivities<Activities>(trainingActivityNow());
  await trainCandidate({ jobId: job.jobId, trainer: input.trainer ?? policy.retrain.trainer });

  lifecycle('validating');
  const validation = await validateCandidate({ jobId: job.jobId });
  if (!validation.passed) {
    lifecycle('rejected');
    const detail = `candidate failed validation: ${validation.failedChecks.join('; ')}`;
    await raiseAlert({
      severity: 'warning',
      kind: 'candidate_rejected',
      model: input.model,
      message: `${input.model}: retraining ${input.jobNumber} rejected — ${detail}`,
      details: { jobId: job.jobId, bars: data.bars, checks: validation.failedChecks },
      dedupeKey: `candidate_rejected:${job.jobId}`,
    });
    await finishRetrainingJob({ jobId: job.jobId, status: 'rejected', error: detail });
    return { jobId: job.jobId, status: 'rejected', detail };
  }

  lifecycle('staging');
  const candidate = await registerCandidate({ jobId: job.jobId });
  if (!job.champion) {
    // The first version of a model has nothing to beat: passing its floors makes it champion.
    await moveModelAlias({
      model: input.model,
      alias: 'champion',
      version: candidate.version,
      expectedVersionId: null,
      changedBy: workflowInfo().workflowId,
      reason: 'first version passed its gate',
    });
    lifecycle('completed');
    await finishRetrainingJob({ jobId: job.jobId, status: 'completed', newVersionId: candidate.versionId });
    return {
      jobId: job.jobId,
      status: 'completed',
      detail: `v${candidate.version} is the first champion`,
      candidateVersion: candidate.version,
      promotedVersion: candidate.version,
    };
  }

  await moveModelAlias({
    model: input.model,
    alias: 'challenger',
    version: candidate.version,
    changedBy: workflowInfo().workflowId,
    reason: `retraining ${input.jobNumber} passed validation`,
  });
  staged.challengerVersionId = candidate.versionId;
  lifecycle('experimenting');
  const experimentId = await createChallengerExperiment({
    jobId: job.jobId,
    model: input.model,
    controlVersionId: job.champion.versionId,
    treatmentVersionId: candidate.versionId,
    treatmentWeight: input.challengerTraffic ?? policy.challengerTraffic,
    policy: { ...policy.experiment, ...input.experiment },
  });
  upsertSearchAttributes([{ key: ExperimentIdKey, value: experimentId }]);
  let outcome: ExperimentOutcome;
  try {
    outcome = await runExperimentChild(input, experimentId);
  } catch (error) {
    // A reset to a point after the job created its experiment: the earlier run started it (it runs
    // on, or has ended), and REJECT_DUPLICATE refuses a second run. Conclude from that one instead
    // of failing a job whose experiment may still promote its candidate.
    if (
      !(error instanceof WorkflowExecutionAlreadyStartedError) ||
      !patched(RETRAINING_PATCHES.concludeOwnExperiment)
    )
      throw error;
    log.info('job reset after it had started its experiment: concluding from that experiment', {
      experimentId,
    });
    outcome = outcomeSeen(await awaitExperimentEnd({ experimentId }), experimentId);
  }
  return concludeJob(input, job, candidate, experimentId, outcome, staged);
}

type ExperimentOutcome = Pick<ExperimentResult, 'status' | 'reason' | 'promotedVersion'>;

/** How an experiment that ended without this run ended, as the job's conclusion needs it. */
function outcomeSeen(seen: ExperimentEndSeen, experimentId: string): ExperimentOutcome {
  if (seen.kind === 'not-started')
    throw ApplicationFailure.nonRetryable(`experiment ${experimentId} was never started`);
  return {
    status: seen.status === 'completed' ? 'completed' : 'stopped',
    reason: seen.reason,
    ...(seen.promotedVersion !== undefined ? { promotedVersion: seen.promotedVersion } : {}),
  };
}

/** The job's experiment, as its child workflow; resolves with how it ended. */
function runExperimentChild(input: RetrainingInput, experimentId: string): Promise<ExperimentResult> {
  return executeChild(experimentWorkflow, {
    workflowId: workflowIds.experiment(experimentId),
    args: [{ experimentId }],
    // Cancel, not terminate: a terminated experiment could stop half way through its end, and a
    // cancelled one stores itself as stopped. Never a second run of an experiment that has run
    // (a reset of this job would otherwise start a finished experiment again).
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: ModelNameKey, value: input.model },
      { key: ExperimentIdKey, value: experimentId },
    ],
  });
}

/**
 * A run of a job whose earlier run (before a reset) staged its challenger and started its
 * experiment: the candidate and the experiment are in the registry, so this run neither trains nor
 * starts the experiment again. It waits for that experiment to end, by its own policy or an
 * operator (a reset does not apply the replaced run's parent close policy: the experiment runs on
 * as it was, paused or not), then concludes the job as the first run would have.
 */
async function concludeFromOwnExperiment(
  input: RetrainingInput,
  job: BegunJob,
  own: NonNullable<BegunJob['ownExperiment']>,
  staged: Staged,
): Promise<RetrainingResult> {
  log.info('job reset after it had started its experiment: concluding from that experiment', {
    experimentId: own.experimentId,
    status: own.status,
  });
  const candidate = { versionId: own.challengerVersionId, version: own.challengerVersion };
  staged.challengerVersionId = candidate.versionId;
  lifecycle('experimenting');
  upsertSearchAttributes([{ key: ExperimentIdKey, value: own.experimentId }]);
  const seen = await awaitExperimentEnd({ experimentId: own.experimentId });
  const outcome =
    seen.kind === 'not-started'
      ? await runExperimentChild(input, own.experimentId)
      : outcomeSeen(seen, own.experimentId);
  return concludeJob(input, job, candidate, own.experimentId, outcome, staged);
}

/** After the experiment: the job completed (its challenger promoted) or rejected (cleared, archived). */
async function concludeJob(
  input: RetrainingInput,
  job: BegunJob,
  candidate: { versionId: string; version: number },
  experimentId: string,
  outcome: ExperimentOutcome,
  staged: Staged,
): Promise<RetrainingResult> {
  if (outcome.promotedVersion !== undefined) {
    // The experiment moved our challenger to champion: nothing of ours is left to take back.
    delete staged.challengerVersionId;
    lifecycle('completed');
    await finishRetrainingJob({
      jobId: job.jobId,
      status: 'completed',
      newVersionId: candidate.versionId,
      experimentId,
    });
    return {
      jobId: job.jobId,
      status: 'completed',
      detail: `v${candidate.version} promoted: ${outcome.reason}`,
      candidateVersion: candidate.version,
      experimentId,
      promotedVersion: outcome.promotedVersion,
    };
  }
  lifecycle('rejected');
  await moveModelAlias({
    model: input.model,
    alias: 'challenger',
    version: null,
    expectedVersionId: candidate.versionId,
    changedBy: workflowInfo().workflowId,
    reason: `experiment ended: ${outcome.reason}`,
  });
  delete staged.challengerVersionId;
  await archiveVersion({ versionId: candidate.versionId });
  await raiseAlert({
    severity: outcome.status === 'completed' ? 'info' : 'warning',
    kind: 'challenger_not_promoted',
    model: input.model,
    experimentId,
    message: `${input.model}: challenger v${candidate.version} not promoted — ${outcome.reason}`,
    details: { jobId: job.jobId },
    dedupeKey: `challenger_not_promoted:${job.jobId}`,
  });
  await finishRetrainingJob({
    jobId: job.jobId,
    status: 'rejected',
    newVersionId: candidate.versionId,
    experimentId,
    error: outcome.reason,
  });
  return {
    jobId: job.jobId,
    status: 'rejected',
    detail: outcome.reason,
    candidateVersion: candidate.version,
    experimentId,
  };
}

async function notifySupervisor(input: RetrainingInput, outcome: RetrainingOutcome): Promise<void> {
  if (!input.supervisorWorkflowId) return;
  try {
    await getExternalWorkflowHandle(input.supervisorWorkflowId).signal('retrainingFinished', outcome);
  } catch (error) {
    // The supervisor may have been terminated; the job's own result stands.
    if (!(error instanceof ApplicationFailure)) return;
  }
}
