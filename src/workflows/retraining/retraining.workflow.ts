import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  ExperimentIdKey,
  LifecycleStateKey,
  ModelNameKey,
  TriggerKey,
} from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/shared';
import { analysisActivity, quickActivity, trainingActivityNow } from '../activity-options';
import { experimentWorkflow } from '../experiment/experiment.workflow';
import type { RetrainingOutcome } from '../supervisor/supervisor-types';
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

function lifecycle(state: string): void {
  upsertSearchAttributes([{ key: LifecycleStateKey, value: state }]);
}

/**
 * One retraining job (`retrain:<model>:<n>`): prepare data → train (resumable) → validate against the
 * champion → register and stage as challenger → experiment champion vs challenger → promoted, or
 * rejected (archived, alert). The retraining_jobs row follows pending → running → completed /
 * rejected / failed. Only ids and ranges go through history, never datasets.
 */
export async function retrainingWorkflow(input: RetrainingInput): Promise<RetrainingResult> {
  upsertSearchAttributes([
    { key: ModelNameKey, value: input.model },
    { key: TriggerKey, value: input.trigger },
  ]);
  lifecycle('preparing');
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
    result = await runJob(input, job);
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

async function runJob(
  input: RetrainingInput,
  job: Awaited<ReturnType<Activities['beginRetrainingJob']>>,
): Promise<RetrainingResult> {
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
  const outcome = await executeChild(experimentWorkflow, {
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

  if (outcome.promotedVersion !== undefined) {
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
