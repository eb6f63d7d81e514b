import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import {
  ChampionVersionKey,
  LifecycleStateKey,
  ModelNameKey,
  TriggerKey,
} from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/shared';
import { analysisActivity, quickActivity } from '../activity-options';
import {
  mergePolicyPatch,
  parseSupervisorPolicy,
  type SupervisorPolicy,
  type SupervisorPolicyInput,
} from '../../policies/supervisor-policy';
import { retrainingWorkflow } from '../retraining/retraining.workflow';
import {
  MANUAL_REQUEST_EXAMPLE,
  manualRetrainingRequestSchema,
  OUTCOME_EXAMPLE,
  parseMessage,
  previewPayload,
  REQUEST_EXAMPLE,
  retrainingOutcomeSchema,
  retrainingRequestSchema,
} from './supervisor-messages';
import { SUPERVISOR_PATCHES } from './supervisor-patches';
import { SupervisorState, type SupervisorBehaviour } from './supervisor-state';
import type {
  RetrainingOutcome,
  RetrainingRequest,
  RetrainingRequestAnswer,
  SupervisorInput,
  SupervisorStatus,
} from './supervisor-types';

/**
 * Asks for a retraining (`{"trigger","reason","requestedBy"}`, trigger one of scheduled, drift,
 * performance, manual). Kept for the plain `temporal` CLI and the schedule; a payload that does not
 * parse is recorded as rejected (query `status`, `galfriday status`) and otherwise ignored.
 */
export const requestRetrainingSignal = defineSignal<[RetrainingRequest]>('requestRetraining');
/**
 * A manual retraining as an Update (`{"reason","requestedBy"}`): its validator refuses a bad payload
 * before anything is written to history, and it answers with the job that handles the request.
 */
export const requestRetrainingUpdate = defineUpdate<
  RetrainingRequestAnswer,
  [{ reason: string; requestedBy: string; trigger?: 'manual' }]
>('requestRetraining');
/** Sent by a retraining workflow when it ends, so the supervisor need not stay its parent across continue-as-new. */
export const retrainingFinishedSignal = defineSignal<[RetrainingOutcome]>('retrainingFinished');
export const supervisorStatusQuery = defineQuery<SupervisorStatus>('status');
export const setPolicyUpdate = defineUpdate<SupervisorPolicy, [SupervisorPolicyInput]>('setPolicy');
/** Runs a drift check now instead of at the next interval; answers with its summary. */
export const checkDriftNowUpdate = defineUpdate<SupervisorStatus['lastDrift'], []>('checkDriftNow');

const { loadSupervisorContext, reconcileRetrainingJob, raiseAlert } =
  proxyActivities<Activities>(quickActivity);
const { checkModelDrift } = proxyActivities<Activities>(analysisActivity);

/**
 * One long-lived entity per model (id `model:<name>`): checks drift on an interval, takes manual,
 * drift, performance and scheduled retraining requests, runs at most one retraining at a time with a
 * cooldown and a daily budget, and continues as new when its history grows.
 */
export async function modelSupervisorWorkflow(input: SupervisorInput): Promise<void> {
  const now = () => Date.now();
  // Evaluated first, once per run: a run recorded before a change has no marker and keeps the old behaviour.
  const behaviour: SupervisorBehaviour = {
    reconcile: patched(SUPERVISOR_PATCHES.reconcile),
    jitter: patched(SUPERVISOR_PATCHES.jitter),
  };
  const deepPolicyMerge = patched(SUPERVISOR_PATCHES.deepPolicyMerge);
  const driftCheckBesideLoop = patched(SUPERVISOR_PATCHES.driftCheckBesideLoop);
  // Handlers are registered before the first await so that the signal of a signal-with-start and
  // early queries find them; what arrives before the state is loaded is applied right after.
  let state: SupervisorState | undefined = input.state
    ? SupervisorState.restore(input.state, behaviour)
    : undefined;
  const early: Array<(s: SupervisorState) => void> = [];
  const apply = (change: (s: SupervisorState) => void) => (state ? change(state) : early.push(change));
  let wake = false;
  let driftRequested = false;
  /** An update waits for the running job to be reconciled before it says which job serves it. */
  let reconcileAsked = false;
  const mergedPolicy = (current: SupervisorPolicy, patch: unknown) =>
    deepPolicyMerge ? mergePolicyPatch(current, patch) : { ...current, ...(patch as object) };

  // Handlers never throw on a bad payload: a throwing signal handler fails the workflow task on every
  // retry, and every later message with it. They record the refusal instead.
  setHandler(requestRetrainingSignal, (payload: unknown) => {
    const parsed = parseMessage(retrainingRequestSchema, payload, REQUEST_EXAMPLE);
    if (!parsed.ok) {
      const rejected = {
        message: 'signal requestRetraining',
        error: parsed.error,
        payload: previewPayload(payload),
      };
      apply((s) => s.rejected(rejected, now()));
      log.warn('refused a requestRetraining signal', { error: rejected.error, payload: rejected.payload });
      return;
    }
    apply((s) => s.request(parsed.value, now()));
    wake = true;
  });
  setHandler(retrainingFinishedSignal, (payload: unknown) => {
    const parsed = parseMessage(retrainingOutcomeSchema, payload, OUTCOME_EXAMPLE);
    if (!parsed.ok) {
      const rejected = {
        message: 'signal retrainingFinished',
        error: parsed.error,
        payload: previewPayload(payload),
      };
      apply((s) => s.rejected(rejected, now()));
      log.warn('refused a retrainingFinished signal', { error: rejected.error, payload: rejected.payload });
      return;
    }
    const outcome = parsed.value;
    apply((s) => s.finished(outcome, now()));
    if (outcome.promotedVersion !== undefined)
      upsertSearchAttributes([{ key: ChampionVersionKey, value: outcome.promotedVersion }]);
    wake = true;
  });
  setHandler(
    requestRetrainingUpdate,
    async (payload) => {
      const parsed = parseMessage(manualRetrainingRequestSchema, payload, MANUAL_REQUEST_EXAMPLE);
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.error, 'InvalidRequest');
      await condition(() => state !== undefined);
      const s = state!;
      const before = s.lastStarted?.jobNumber ?? 0;
      s.request(
        { trigger: 'manual', reason: parsed.value.reason, requestedBy: parsed.value.requestedBy },
        now(),
      );
      // A running job may have vanished unreported: let the loop look before saying which job serves us.
      reconcileAsked = true;
      wake = true;
      await condition(() => !reconcileAsked);
      // A manual request starts as soon as nothing runs; a job that starts and reports in one activation
      // is seen through lastStarted.
      await condition(() => s.running !== null || (s.lastStarted?.jobNumber ?? 0) > before);
      const job = s.running ?? s.lastStarted!;
      return {
        workflowId: job.workflowId,
        jobNumber: job.jobNumber,
        trigger: job.trigger,
        merged: job.jobNumber <= before,
      };
    },
    {
      validator: (payload) => {
        const parsed = parseMessage(manualRetrainingRequestSchema, payload, MANUAL_REQUEST_EXAMPLE);
        if (!parsed.ok) throw new Error(`requestRetraining refused: ${parsed.error}`);
      },
    },
  );
  setHandler(supervisorStatusQuery, () => {
    if (!state) throw new Error('the supervisor is still loading its state; ask again in a moment');
    return state.status(now());
  });
  setHandler(
    setPolicyUpdate,
    async (patch) => {
      await condition(() => state !== undefined);
      const policy = parseSupervisorPolicy(mergedPolicy(state!.policy, patch));
      state!.setPolicy(policy, now());
      wake = true;
      return policy;
    },
    {
      validator: (patch) => void parseSupervisorPolicy(state ? mergedPolicy(state.policy, patch) : patch),
    },
  );
  // With the drift check beside the loop, a request that arrives while a check runs is answered by
  // that check (it started moments ago) rather than by a second one.
  setHandler(checkDriftNowUpdate, async () => {
    await condition(() => state !== undefined);
    driftRequested = true;
    wake = true;
    await condition(() => !driftRequested);
    return state!.status(now()).lastDrift;
  });

  if (!state) {
    const context = await loadSupervisorContext({
      model: input.model,
      ...(input.policy ? { policy: input.policy } : {}),
    });
    // The activity resolves the policy (defaults included) and history keeps the result; runs recorded
    // before it did so resolved it here, and replay must do as they did.
    const resolved = (context as { policy?: SupervisorPolicy }).policy;
    const policy =
      resolved ?? parseSupervisorPolicy({ ...(context.storedPolicy as object), ...input.policy });
    state = SupervisorState.initial(input.model, policy, now(), context.nextJobNumber, behaviour);
    for (const change of early.splice(0)) change(state);
  }
  const s0 = state;

  upsertSearchAttributes([
    { key: ModelNameKey, value: input.model },
    { key: LifecycleStateKey, value: 'supervising' },
  ]);

  /** True while a drift check started beside the loop has not ended. */
  let driftCheckInFlight = false;
  let iterations = 0;
  for (;;) {
    await startRetrainingIfDue(s0);
    // A retraining the last check asked for starts first, then the next check if one is due; the loop
    // goes on serving requests and reports while the check runs, and the check's end wakes it.
    if (driftCheckBesideLoop && !driftCheckInFlight && (driftRequested || now() >= s0.nextDriftCheckAt)) {
      driftCheckInFlight = true;
      void runDriftCheck(s0).then(() => {
        driftCheckInFlight = false;
        driftRequested = false;
        wake = true;
      });
    }
    const wakeAt = s0.nextWakeAt(now(), driftCheckInFlight);
    if (Number.isFinite(wakeAt)) await condition(() => wake, Math.max(0, wakeAt - now()));
    else await condition(() => wake);
    wake = false;
    if (behaviour.reconcile && s0.running) await reconcileRunningJob(s0);
    reconcileAsked = false;
    if (!driftCheckBesideLoop && (driftRequested || now() >= s0.nextDriftCheckAt)) {
      await runDriftCheck(s0);
      driftRequested = false;
    }
    iterations++;
    const leaving =
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfter !== undefined && iterations >= input.continueAsNewAfter);
    // An update waiting for its job to start is served by this loop: leave at a later wake instead of
    // waiting here for a handler that waits for us. A check in flight ends first: its verdict is state.
    if (leaving && !driftCheckInFlight && (!behaviour.reconcile || allHandlersFinished())) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof modelSupervisorWorkflow>({
        model: input.model,
        state: s0.snapshot(),
        continueAsNewAfter: input.continueAsNewAfter,
      });
    }
  }

  /** One drift check with the policy as it is now; never throws. */
  async function runDriftCheck(s: SupervisorState): Promise<void> {
    const policy = s.policy;
    try {
      const summary = await checkModelDrift({
        model: input.model,
        window: policy.driftWindow,
        minSamples: policy.minDriftSamples,
        share: policy.driftShare,
        performance: policy.performance,
        thresholds: policy.driftThresholds,
      });
      s.recordDriftCheck(summary, driftCheckBesideLoop ? now() : summary.checkedAt);
    } catch (error) {
      // The entity outlives any one check: a failed check is a decision to look at, not the end.
      s.driftCheckFailed(
        now(),
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error),
      );
    }
  }

  /**
   * Asks what became of the running job. Its report is the normal path; this catches the jobs that
   * cannot report (terminated, timed out, reset) and reports that were lost, so that a supervisor is
   * never "running" a job that no longer exists.
   */
  async function reconcileRunningJob(s: SupervisorState): Promise<void> {
    const job = s.running!;
    let found;
    try {
      found = await reconcileRetrainingJob({ workflowId: job.workflowId, startedAt: job.startedAt });
    } catch (error) {
      log.warn('could not reconcile the running retraining job; trying again at the next wake', {
        workflowId: job.workflowId,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    const stuck = s.reconciled(job.workflowId, found, now());
    if (found.state === 'closed' && found.outcome.promotedVersion !== undefined)
      upsertSearchAttributes([{ key: ChampionVersionKey, value: found.outcome.promotedVersion }]);
    if (stuck) {
      await raiseAlert({
        severity: 'warning',
        kind: 'retraining_stuck',
        model: input.model,
        message: `${input.model}: retraining ${job.workflowId} has run longer than its jobTimeout (${s.policy.jobTimeout}); look at it in the Temporal UI`,
        details: { workflowId: job.workflowId, startedAt: new Date(job.startedAt).toISOString() },
        dedupeKey: `retraining_stuck:${job.workflowId}`,
      }).catch((error: unknown) => log.warn('could not raise the stuck-job alert', { error: String(error) }));
    }
  }

  async function startRetrainingIfDue(s: SupervisorState): Promise<void> {
    const request = s.nextToStart(now());
    if (!request) return;
    for (let attempt = 0; attempt < 20; attempt++) {
      const jobNumber = s.takeJobNumber();
      const workflowId = workflowIds.retraining(input.model, jobNumber);
      try {
        // ABANDON: the job must outlive a continue-as-new of this entity; it reports back by signal.
        await startChild(retrainingWorkflow, {
          workflowId,
          args: [
            {
              model: input.model,
              jobNumber,
              ...request,
              supervisorWorkflowId: workflowInfo().workflowId,
              // The job runs with the supervisor's policy as it is now, whatever is stored on the model.
              trainer: s.policy.retrain.trainer,
              windowBars: s.policy.retrain.windowBars,
              challengerTraffic: s.policy.challengerTraffic,
              experiment: s.policy.experiment,
            },
          ],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: ModelNameKey, value: input.model },
            { key: LifecycleStateKey, value: 'pending' },
            { key: TriggerKey, value: request.trigger },
          ],
        });
        s.started({ jobNumber, workflowId, trigger: request.trigger, startedAt: now() });
        return;
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        log.warn('retraining workflow id already used; taking the next number', { workflowId });
      }
    }
  }
}
