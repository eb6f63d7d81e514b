import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  ParentClosePolicy,
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
  parseSupervisorPolicy,
  type SupervisorPolicy,
  type SupervisorPolicyInput,
} from '../policies/supervisor-policy';
import { retrainingWorkflow } from '../retraining/retraining.workflow';
import { SupervisorState } from './supervisor-state';
import type {
  RetrainingOutcome,
  RetrainingRequest,
  SupervisorInput,
  SupervisorStatus,
} from './supervisor-types';

export const requestRetrainingSignal = defineSignal<[RetrainingRequest]>('requestRetraining');
/** Sent by a retraining workflow when it ends, so the supervisor need not stay its parent across continue-as-new. */
export const retrainingFinishedSignal = defineSignal<[RetrainingOutcome]>('retrainingFinished');
export const supervisorStatusQuery = defineQuery<SupervisorStatus>('status');
export const setPolicyUpdate = defineUpdate<SupervisorPolicy, [SupervisorPolicyInput]>('setPolicy');
/** Runs a drift check now instead of at the next interval; answers with its summary. */
export const checkDriftNowUpdate = defineUpdate<SupervisorStatus['lastDrift'], []>('checkDriftNow');

const { loadSupervisorContext } = proxyActivities<Activities>(quickActivity);
const { checkModelDrift } = proxyActivities<Activities>(analysisActivity);

/**
 * One long-lived entity per model (id `model:<name>`): checks drift on an interval, takes manual,
 * drift, performance and scheduled retraining requests, runs at most one retraining at a time with a
 * cooldown and a daily budget, and continues as new when its history grows.
 */
export async function modelSupervisorWorkflow(input: SupervisorInput): Promise<void> {
  const now = () => Date.now();
  // Handlers are registered before the first await so that the signal of a signal-with-start and
  // early queries find them; what arrives before the state is loaded is applied right after.
  let state: SupervisorState | undefined = input.state ? SupervisorState.restore(input.state) : undefined;
  const early: Array<(s: SupervisorState) => void> = [];
  const apply = (change: (s: SupervisorState) => void) => (state ? change(state) : early.push(change));
  let wake = false;
  let driftRequested = false;

  setHandler(requestRetrainingSignal, (request) => {
    apply((s) => s.request(request, now()));
    wake = true;
  });
  setHandler(retrainingFinishedSignal, (outcome) => {
    apply((s) => s.finished(outcome, now()));
    if (outcome.promotedVersion !== undefined)
      upsertSearchAttributes([{ key: ChampionVersionKey, value: outcome.promotedVersion }]);
    wake = true;
  });
  setHandler(supervisorStatusQuery, () => {
    if (!state) throw new Error('the supervisor is still loading its state; ask again in a moment');
    return state.status(now());
  });
  setHandler(
    setPolicyUpdate,
    async (patch) => {
      await condition(() => state !== undefined);
      const policy = parseSupervisorPolicy({ ...state!.policy, ...patch });
      state!.setPolicy(policy, now());
      wake = true;
      return policy;
    },
    { validator: (patch) => void parseSupervisorPolicy({ ...(state?.policy ?? {}), ...patch }) },
  );
  setHandler(checkDriftNowUpdate, async () => {
    await condition(() => state !== undefined);
    driftRequested = true;
    wake = true;
    await condition(() => !driftRequested);
    return state!.status(now()).lastDrift;
  });

  if (!state) {
    const context = await loadSupervisorContext({ model: input.model });
    const policy = parseSupervisorPolicy({ ...(context.storedPolicy as object), ...input.policy });
    state = SupervisorState.initial(input.model, policy, now(), context.nextJobNumber);
    for (const change of early.splice(0)) change(state);
  }
  const s0 = state;

  upsertSearchAttributes([
    { key: ModelNameKey, value: input.model },
    { key: LifecycleStateKey, value: 'supervising' },
  ]);

  let iterations = 0;
  for (;;) {
    await startRetrainingIfDue(s0);
    const timeout = Math.max(0, s0.nextWakeAt(now()) - now());
    await condition(() => wake, timeout);
    wake = false;
    if (driftRequested || now() >= s0.nextDriftCheckAt) {
      const policy = s0.policy;
      try {
        const summary = await checkModelDrift({
          model: input.model,
          window: policy.driftWindow,
          minSamples: policy.minDriftSamples,
          share: policy.driftShare,
          performance: policy.performance,
          thresholds: policy.driftThresholds,
        });
        s0.recordDriftCheck(summary);
      } catch (error) {
        // The entity outlives any one check: a failed check is a decision to look at, not the end.
        s0.driftCheckFailed(
          now(),
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error),
        );
      }
      driftRequested = false;
    }
    iterations++;
    if (
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfter !== undefined && iterations >= input.continueAsNewAfter)
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof modelSupervisorWorkflow>({
        model: input.model,
        state: s0.snapshot(),
        continueAsNewAfter: input.continueAsNewAfter,
      });
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
