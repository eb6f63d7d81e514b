import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { parseDuration } from '../../util/duration';
import { ExperimentIdKey, LifecycleStateKey, ModelNameKey } from '../../temporal/search-attributes';
import { analysisActivity, PERMANENT_ERRORS, quickActivity } from '../activity-options';
import { decideExperiment } from './experiment-decision';
import type {
  ChangeAllocationInput,
  ConcludeInput,
  ExperimentAnalysis,
  ExperimentCarriedState,
  ExperimentEnd,
  ExperimentInfo,
  ExperimentResult,
  ExperimentStatusView,
  ExperimentWorkflowInput,
} from './experiment-types';

export type { ExperimentWorkflowInput } from './experiment-types';

export const pauseExperimentUpdate = defineUpdate<ExperimentStatusView, [{ reason?: string }]>('pause');
export const resumeExperimentUpdate = defineUpdate<ExperimentStatusView, []>('resume');
export const stopExperimentUpdate = defineUpdate<ExperimentStatusView, [{ reason?: string }]>('stop');
export const changeAllocationUpdate = defineUpdate<ExperimentStatusView, [ChangeAllocationInput]>(
  'changeAllocation',
);
export const concludeExperimentUpdate = defineUpdate<ExperimentStatusView, [ConcludeInput]>('conclude');
export const experimentStatusQuery = defineQuery<ExperimentStatusView>('status');

/**
 * The writes that end an experiment. A database failover of a few minutes must not fail them (a
 * failed end leaves routers splitting traffic, a failed promotion used to be compensated half way),
 * so attempts are unlimited, bounded by time; a permanent error (a real conflict, an experiment that
 * has already ended) still ends them at once.
 */
const endingActivity = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 hours',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [...PERMANENT_ERRORS, 'ExperimentEndedError'],
  },
} satisfies ActivityOptions;

const { startExperiment, setExperimentState, setExperimentCoverage, moveModelAlias, raiseAlert } =
  proxyActivities<Activities>(quickActivity);
const { completeExperiment, promoteWinner } = proxyActivities<Activities>(endingActivity);
const { analyseExperiment } = proxyActivities<Activities>(analysisActivity);

/**
 * Behaviour changes made while experiments may be running (docs/operations.md, "Upgrading workflows
 * safely"): each is taken only by executions that reach it under this code, never by the replay of
 * a history recorded before it.
 */
export const EXPERIMENT_PATCHES = {
  /** A cancelled experiment is stored as stopped (it stayed running, and routers kept splitting). */
  stoppedOnCancel: 'experiment-stopped-on-cancel',
  /** A promotion is one idempotent transaction (it was three activities and a saga). */
  promoteInOneTransaction: 'experiment-promote-in-one-transaction',
  /** A pause or SRM hold that arrives during a look wins over what the look decided. */
  pauseWinsOverLook: 'experiment-pause-wins-over-look',
  /** Pause and resume update the LifecycleState search attribute. */
  lifecycleOnPause: 'experiment-lifecycle-on-pause',
  /** Long experiments continue as new, carrying their state. */
  continueAsNew: 'experiment-continue-as-new',
} as const;

const DEFAULT_LOOKS_PER_RUN = 500;

/**
 * One experiment (`experiment:<id>`): created → running → analysed on an interval with the always-valid
 * sequential test and SRM and guardrail checks → ends on significance, futility (samples or duration),
 * a guardrail breach (rolled back at once) or an operator's stop/conclude. A sample-ratio mismatch
 * holds the experiment (traffic back to control) and alerts; it never promotes.
 */
export async function experimentWorkflow({
  experimentId,
  carried,
  continueAsNewAfterLooks = DEFAULT_LOOKS_PER_RUN,
}: ExperimentWorkflowInput): Promise<ExperimentResult> {
  let info: ExperimentInfo | undefined = carried?.info;
  let state: ExperimentStatusView['state'] = carried?.state ?? 'starting';
  let analysis: ExperimentAnalysis | undefined = carried?.analysis;
  let looks = carried?.looks ?? 0;
  let looksThisRun = 0;
  let end: ExperimentEnd | undefined;
  let wake = false;
  const previousPValues: Record<string, number> = { ...carried?.previousPValues };
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
        if (patched(EXPERIMENT_PATCHES.lifecycleOnPause))
          upsertSearchAttributes([{ key: LifecycleStateKey, value: 'paused' }]);
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
        if (patched(EXPERIMENT_PATCHES.lifecycleOnPause))
          upsertSearchAttributes([{ key: LifecycleStateKey, value: 'running' }]);
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
    if (error instanceof ContinueAsNew) throw error;
    // Routers split traffic while the row says running: neither a failed nor a cancelled workflow
    // may leave it so. (Cancelling a retraining job cancels its experiment.)
    if (isCancellation(error)) {
      if (patched(EXPERIMENT_PATCHES.stoppedOnCancel)) {
        await CancellationScope.nonCancellable(() =>
          completeExperiment({
            experimentId,
            status: 'stopped',
            winner: null,
            reason: 'cancelled: the experiment workflow (or the job that started it) was cancelled',
            results: analysis ?? null,
          }),
        );
        upsertSearchAttributes([{ key: LifecycleStateKey, value: 'stopped' }]);
        state = 'done';
      }
    } else {
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
    const experiment = info ?? (await startExperiment({ experimentId }));
    info = experiment;
    if (state === 'starting') state = 'running';
    upsertSearchAttributes([
      { key: ExperimentIdKey, value: experimentId },
      { key: ModelNameKey, value: experiment.model },
      { key: LifecycleStateKey, value: state },
    ]);
    // The policy arrives fully resolved (parsed with its defaults by the activity, so it is in the
    // history, or carried from the previous run): changing a default never changes a replay.
    const { policy, startedAt } = experiment;
    const interval = parseDuration(policy.analysisInterval);
    const maxDuration = parseDuration(policy.maxDuration);

    // The maximum duration is wall time from the start: pausing or holding does not extend the deadline,
    // so an experiment nobody resumes still ends.
    const deadline = startedAt + maxDuration;
    while (!end) {
      if (
        (looksThisRun >= continueAsNewAfterLooks || workflowInfo().continueAsNewSuggested) &&
        patched(EXPERIMENT_PATCHES.continueAsNew)
      ) {
        // Updates in flight finish first (their activities belong to this run). A stop or conclude
        // waits for the end, so it ends this run instead.
        await condition(() => allHandlersFinished() || !!end);
        if (end) break;
        const next: ExperimentCarriedState = {
          info: experiment,
          state: state as ExperimentCarriedState['state'],
          looks,
          previousPValues,
          ...(analysis ? { analysis } : {}),
        };
        return continueAsNew<typeof experimentWorkflow>({
          experimentId,
          carried: next,
          continueAsNewAfterLooks,
        });
      }
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
      looksThisRun++;
      for (const c of analysis.comparisons) previousPValues[c.variant] = c.pValue;
      // Likewise a pause that arrived during the look: the look is kept (its p-values are valid at
      // any time), but nothing is decided on it while nobody wants decisions.
      if (state !== 'running' && patched(EXPERIMENT_PATCHES.pauseWinsOverLook)) continue;
      const decision = decideExperiment(analysis, policy, Date.now() - startedAt, maxDuration);
      if (decision?.kind === 'srm') {
        state = 'held';
        upsertSearchAttributes([{ key: LifecycleStateKey, value: 'held' }]);
        await setExperimentState({ experimentId, status: 'paused', note: decision.reason });
        await raiseAlert({
          severity: 'critical',
          kind: 'sample_ratio_mismatch',
          model: experiment.model,
          experimentId,
          message: `${experiment.model}: experiment ${experimentId} held — ${decision.reason}; check the routing before resuming`,
          details: { srm: analysis.srm },
          dedupeKey: `srm:${experimentId}:${looks}`,
        });
        continue;
      }
      end = decision;
    }

    state = 'finishing';
    upsertSearchAttributes([{ key: LifecycleStateKey, value: 'finishing' }]);
    const result = await CancellationScope.nonCancellable(() => finish(experiment, end!, analysis));
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

  const changedBy = workflowInfo().workflowId;
  if (patched(EXPERIMENT_PATCHES.promoteInOneTransaction)) {
    try {
      await promoteWinner({
        experimentId: info.experimentId,
        model: info.model,
        winnerVariant: winner.variant,
        winnerVersion: winner.version,
        winnerVersionId: winner.versionId,
        controlVersionId: control.versionId,
        reason: end.reason,
        results: analysis ?? null,
        changedBy,
      });
    } catch (error) {
      // Nothing to undo (the transaction stored all or nothing). Only a real conflict — champion
      // moved by someone else during the experiment — is answered here; anything else fails the run.
      if (failureType(error) !== 'AliasConflictError') throw error;
      const reason = `${end.reason}; not promoted: champion was moved by someone else during the experiment`;
      await raiseAlert({
        severity: 'warning',
        kind: 'promotion_conflict',
        model: info.model,
        experimentId: info.experimentId,
        message: `${info.model}: ${winner.variant} won experiment ${info.experimentId} but was not promoted — champion moved meanwhile`,
        details: { winner: winner.variant, expectedChampionVersionId: control.versionId },
        dedupeKey: `promotion_conflict:${info.experimentId}`,
      });
      await completeExperiment({
        experimentId: info.experimentId,
        status,
        winner: winner.variant,
        reason,
        results: analysis ?? null,
      });
      return { ...base, reason };
    }
    return { ...base, promotedVersion: winner.version };
  }

  // Before EXPERIMENT_PATCHES.promoteInOneTransaction (kept for the replay of running experiments): a
  // saga in which each step that succeeded registers how to undo it.
  const compensations: Array<() => Promise<unknown>> = [];
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

/** The type of the application error an activity failed with (undefined for timeouts and the like). */
function failureType(error: unknown): string | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;
}
