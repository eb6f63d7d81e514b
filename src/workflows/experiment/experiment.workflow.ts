import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { parseDuration } from '../../util/duration';
import { ExperimentIdKey, LifecycleStateKey, ModelNameKey } from '../../temporal/search-attributes';
import { analysisActivity, quickActivity } from '../activity-options';
import { decideExperiment } from './experiment-decision';
import type {
  ChangeAllocationInput,
  ConcludeInput,
  ExperimentAnalysis,
  ExperimentEnd,
  ExperimentInfo,
  ExperimentResult,
  ExperimentStatusView,
} from './experiment-types';

export const pauseExperimentUpdate = defineUpdate<ExperimentStatusView, [{ reason?: string }]>('pause');
export const resumeExperimentUpdate = defineUpdate<ExperimentStatusView, []>('resume');
export const stopExperimentUpdate = defineUpdate<ExperimentStatusView, [{ reason?: string }]>('stop');
export const changeAllocationUpdate = defineUpdate<ExperimentStatusView, [ChangeAllocationInput]>(
  'changeAllocation',
);
export const concludeExperimentUpdate = defineUpdate<ExperimentStatusView, [ConcludeInput]>('conclude');
export const experimentStatusQuery = defineQuery<ExperimentStatusView>('status');

const {
  startExperiment,
  setExperimentState,
  setExperimentCoverage,
  completeExperiment,
  moveModelAlias,
  raiseAlert,
} = proxyActivities<Activities>(quickActivity);
const { analyseExperiment } = proxyActivities<Activities>(analysisActivity);

export interface ExperimentWorkflowInput {
  experimentId: string;
}

/**
 * One experiment (`experiment:<id>`): created → running → analysed on an interval with the always-valid
 * sequential test and SRM and guardrail checks → ends on significance, futility (samples or duration),
 * a guardrail breach (rolled back at once) or an operator's stop/conclude. A sample-ratio mismatch
 * holds the experiment (traffic back to control) and alerts; it never promotes.
 */
export async function experimentWorkflow({
  experimentId,
}: ExperimentWorkflowInput): Promise<ExperimentResult> {
  let info: ExperimentInfo | undefined;
  let state: ExperimentStatusView['state'] = 'starting';
  let analysis: ExperimentAnalysis | undefined;
  let looks = 0;
  let end: ExperimentEnd | undefined;
  let wake = false;
  const previousPValues: Record<string, number> = {};
  const view = (): ExperimentStatusView => ({
    experimentId,
    model: info?.model,
    state,
    coverage: info?.coverage,
    analysis,
    looks,
    end,
  });
  const requireLive = () => {
    if (end || state === 'done' || state === 'finishing')
      throw ApplicationFailure.create({ message: 'the experiment has already ended', nonRetryable: true });
  };

  setHandler(experimentStatusQuery, view);
  setHandler(
    pauseExperimentUpdate,
    async (input) => {
      if (state === 'running') {
        state = 'paused';
        await setExperimentState({
          experimentId,
          status: 'paused',
          note: input.reason ?? 'paused by operator',
        });
      }
      return view();
    },
    { validator: (_input: { reason?: string }) => requireLive() },
  );
  setHandler(
    resumeExperimentUpdate,
    async () => {
      if (state === 'paused' || state === 'held') {
        state = 'running';
        await setExperimentState({ experimentId, status: 'running', note: 'resumed by operator' });
        wake = true;
      }
      return view();
    },
    { validator: () => requireLive() },
  );
  setHandler(
    stopExperimentUpdate,
    async (input) => {
      end = { kind: 'stopped', reason: input.reason ?? 'stopped by operator' };
      wake = true;
      await condition(() => state === 'done');
      return view();
    },
    { validator: (_input: { reason?: string }) => requireLive() },
  );
  setHandler(
    concludeExperimentUpdate,
    async (input) => {
      end = {
        kind: 'concluded',
        winner: input.winner,
        reason: input.reason ?? `concluded by operator: ${input.winner} wins`,
      };
      wake = true;
      await condition(() => state === 'done');
      return view();
    },
    {
      validator: (input) => {
        requireLive();
        if (info && !info.variants.some((v) => v.variant === input.winner)) {
          throw new Error(
            `winner must be one of ${info.variants.map((v) => v.variant).join(', ')}, got "${input.winner}"`,
          );
        }
      },
    },
  );
  setHandler(
    changeAllocationUpdate,
    async (input) => {
      // Taken before the await: a second update validated meanwhile compares against this value.
      if (info) info.coverage = Math.max(info.coverage, input.coverage);
      await setExperimentCoverage({ experimentId, coverage: input.coverage });
      return view();
    },
    {
      validator: (input) => {
        requireLive();
        if (!(typeof input?.coverage === 'number' && input.coverage > 0 && input.coverage <= 1)) {
          throw new Error(`coverage must be a number in (0, 1], got ${JSON.stringify(input?.coverage)}`);
        }
        // Raising coverage only adds units; lowering it would move enrolled units out mid-experiment.
        if (info && input.coverage < info.coverage) {
          throw new Error(
            `allocation can only ramp up: coverage ${input.coverage} is below the current ${info.coverage}`,
          );
        }
      },
    },
  );

  try {
    return await runExperiment();
  } catch (error) {
    // Routers split traffic while the row says running: a failed workflow must not leave it so.
    if (!isCancellation(error)) {
      await CancellationScope.nonCancellable(() =>
        completeExperiment({
          experimentId,
          status: 'failed',
          winner: null,
          reason: `workflow failed: ${error instanceof Error ? error.message : String(error)}`,
          results: null,
        }),
      );
    }
    throw error;
  }

  async function runExperiment(): Promise<ExperimentResult> {
    info = await startExperiment({ experimentId });
    state = 'running';
    upsertSearchAttributes([
      { key: ExperimentIdKey, value: experimentId },
      { key: ModelNameKey, value: info.model },
      { key: LifecycleStateKey, value: 'running' },
    ]);
    const policy = info.policy;
    const interval = parseDuration(policy.analysisInterval);
    const maxDuration = parseDuration(policy.maxDuration);
    const startedAt = info.startedAt;

    // The maximum duration is wall time from the start: pausing or holding does not extend the deadline,
    // so an experiment nobody resumes still ends.
    const deadline = startedAt + maxDuration;
    while (!end) {
      await condition(
        () => wake || !!end,
        Math.max(1, state === 'running' ? Math.min(interval, deadline - Date.now()) : deadline - Date.now()),
      );
      wake = false;
      if (end) break;
      if (state !== 'running') {
        if (Date.now() >= deadline)
          end = { kind: 'futility', reason: `${state} past the maximum duration (${policy.maxDuration})` };
        continue;
      }
      analysis = await analyseExperiment({ experimentId, previousPValues });
      // An operator's stop or conclude that arrived during the look wins over what the look decided.
      if (end) break;
      looks++;
      for (const c of analysis.comparisons) previousPValues[c.variant] = c.pValue;
      const decision = decideExperiment(analysis, policy, Date.now() - startedAt, maxDuration);
      if (decision?.kind === 'srm') {
        state = 'held';
        upsertSearchAttributes([{ key: LifecycleStateKey, value: 'held' }]);
        await setExperimentState({ experimentId, status: 'paused', note: decision.reason });
        await raiseAlert({
          severity: 'critical',
          kind: 'sample_ratio_mismatch',
          model: info.model,
          experimentId,
          message: `${info.model}: experiment ${experimentId} held — ${decision.reason}; check the routing before resuming`,
          details: { srm: analysis.srm },
          dedupeKey: `srm:${experimentId}:${looks}`,
        });
        continue;
      }
      end = decision;
    }

    state = 'finishing';
    upsertSearchAttributes([{ key: LifecycleStateKey, value: 'finishing' }]);
    const result = await CancellationScope.nonCancellable(() => finish(info!, end!, analysis));
    state = 'done';
    upsertSearchAttributes([
      { key: LifecycleStateKey, value: result.promotedVersion !== undefined ? 'promoted' : 'completed' },
    ]);
    return result;
  }
}

async function finish(
  info: ExperimentInfo,
  end: ExperimentEnd,
  analysis: ExperimentAnalysis | undefined,
): Promise<ExperimentResult> {
  const control = info.variants.find((v) => v.isControl)!;
  const winner = 'winner' in end ? info.variants.find((v) => v.variant === end.winner) : undefined;
  const status: ExperimentResult['status'] =
    end.kind === 'stopped' || end.kind === 'guardrail' ? 'stopped' : 'completed';
  const base: ExperimentResult = {
    experimentId: info.experimentId,
    status,
    reason: end.reason,
    ...(winner ? { winner: winner.variant } : {}),
    ...(analysis ? { analysis } : {}),
  };
  const promote = winner && !winner.isControl && (end.kind === 'concluded' || info.policy.autoPromote);

  if (end.kind === 'guardrail') {
    await raiseAlert({
      severity: 'critical',
      kind: 'guardrail_breach',
      model: info.model,
      experimentId: info.experimentId,
      message: `${info.model}: experiment stopped and rolled back to control — ${end.reason}`,
      details: { breaches: analysis?.guardrailBreaches ?? [] },
      dedupeKey: `guardrail:${info.experimentId}`,
    });
  }
  if (!promote) {
    await completeExperiment({
      experimentId: info.experimentId,
      status,
      winner: winner?.variant ?? null,
      reason: end.reason,
      results: analysis ?? null,
    });
    return base;
  }

  // Saga: each step that succeeded registers how to undo it; a later failure undoes them in reverse.
  const compensations: Array<() => Promise<unknown>> = [];
  const changedBy = workflowInfo().workflowId;
  try {
    await moveModelAlias({
      model: info.model,
      alias: 'champion',
      version: winner.version,
      expectedVersionId: control.versionId,
      changedBy,
      reason: end.reason,
    });
    compensations.push(() =>
      moveModelAlias({
        model: info.model,
        alias: 'champion',
        version: control.version,
        expectedVersionId: winner.versionId,
        changedBy,
        reason: 'promotion compensated',
      }),
    );
    await moveModelAlias({
      model: info.model,
      alias: 'challenger',
      version: null,
      changedBy,
      reason: 'promoted to champion',
    });
    await completeExperiment({
      experimentId: info.experimentId,
      status,
      winner: winner.variant,
      reason: end.reason,
      results: analysis ?? null,
    });
  } catch (error) {
    for (const undo of compensations.reverse()) await undo();
    throw error;
  }
  return { ...base, promotedVersion: winner.version };
}
