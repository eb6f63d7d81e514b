import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../../src/activities';
import { experimentWorkflow } from '../../../src/workflows';
import type { ExperimentAnalysis, ExperimentInfo } from '../../../src/workflows/experiment/experiment-types';
import { experimentPolicySchema } from '../../../src/policies/experiment-policy';
import { createTimeSkippingEnv } from '../../support/time-skipping';
import { getWorkflowBundle } from '../../support/workflow-bundle';

const HOUR = 3_600_000;

function analysis(n: number, pValue: number, srmMismatch = false): ExperimentAnalysis {
  return {
    analysedAt: 0,
    arms: ['control', 'challenger'].map((variant, i) => ({
      variant,
      isControl: i === 0,
      assignments: n,
      n,
      mean: 0.5 + 0.1 * i,
      variance: 0.25,
      totalReturn: 0,
      maxDrawdown: 0,
    })),
    // The decision needs the interval beside the p-value (a comparison without one decides nothing).
    comparisons: [{ variant: 'challenger', diff: 0.1, pValue, ci: [0.05, 0.15] }],
    srm: { chi2: srmMismatch ? 50 : 0, pValue: srmMismatch ? 1e-9 : 1, mismatch: srmMismatch },
    guardrailBreaches: [],
  };
}

/** The runs of a workflow, first to last, by following each run's continued-as-new event. */
async function runsOf(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandleWithFirstExecutionRunId,
): Promise<string[]> {
  const runs = [handle.firstExecutionRunId];
  for (;;) {
    const events = (await env.client.workflow.getHandle(handle.workflowId, runs.at(-1)).fetchHistory())
      .events;
    const next = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return runs;
    runs.push(next);
  }
}

/**
 * Long experiments continue as new (issue 15, defect 5): a look adds about 11 events, so looks every
 * minute for the 7-day default would reach Temporal's history limit. With a bound of a few looks per
 * run, these experiments span several runs on the time-skipping server, and decide as one run would.
 */
describe('experiment: continue-as-new carries its state (time-skipping server)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;

  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => env?.teardown());

  function info(experimentId: string, startedAt: number): ExperimentInfo {
    return {
      experimentId,
      model: 'can-model',
      policy: experimentPolicySchema.parse({
        maxDuration: '7d',
        analysisInterval: '6h',
        minSamplesPerVariant: 100,
      }),
      variants: [
        { variant: 'control', versionId: 'v1', version: 1, isControl: true, weight: 0.5 },
        { variant: 'challenger', versionId: 'v2', version: 2, isControl: false, weight: 0.5 },
      ],
      coverage: 1,
      startedAt,
    };
  }

  async function run(
    analyse: (look: number, previous: Record<string, number>) => ExperimentAnalysis,
    continueAsNewAfterLooks: number,
  ) {
    const taskQueue = `can-${randomUUID()}`;
    const calls = {
      start: 0,
      startedAt: 0,
      looks: [] as Array<{ look: number; previous: Record<string, number> }>,
      promotions: [] as unknown[],
      completions: [] as Array<{ status: string; reason: string; at: number }>,
      states: [] as unknown[],
      alerts: [] as string[],
    };
    const activities: Partial<Activities> = {
      startExperiment: async ({ experimentId }) => {
        calls.start++;
        calls.startedAt = Context.current().info.currentAttemptScheduledTimestampMs;
        return info(experimentId, calls.startedAt);
      },
      analyseExperiment: async ({ previousPValues }) => {
        const look = calls.looks.length + 1;
        calls.looks.push({ look, previous: { ...previousPValues } });
        return analyse(look, previousPValues);
      },
      setExperimentState: async (input) => void calls.states.push(input),
      raiseAlert: async (input) => void calls.alerts.push(input.kind),
      completeExperiment: async (input) =>
        // When, on the server's (skipped) clock, the workflow asked for the end.
        void calls.completions.push({
          ...input,
          at: Context.current().info.currentAttemptScheduledTimestampMs,
        }),
      promoteWinner: async (input) => {
        calls.promotions.push(input);
        return { promoted: true };
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await getWorkflowBundle(),
      activities,
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(experimentWorkflow, {
        workflowId: `experiment:${randomUUID()}`,
        taskQueue,
        args: [{ experimentId: randomUUID(), continueAsNewAfterLooks }],
      });
      const result = await handle.result();
      return { result, calls, runs: await runsOf(env, handle) };
    });
  }

  it('keeps the always-valid p-values across runs: a low p-value from run 1 decides in run 3', async () => {
    // Looks 1–9 have too few outcomes to decide; look 2 saw p = 0.001. From look 10 every arm has
    // enough, and the raw p-value is 0.5: only the carried running minimum makes it significant.
    const { result, calls, runs } = await run((look, previous) => {
      const raw = look === 2 ? 0.001 : 0.5;
      return analysis(look < 10 ? 50 : 200, Math.min(previous.challenger ?? 1, raw));
    }, 4);
    assert.equal(result.promotedVersion, 2);
    assert.equal(result.winner, 'challenger');
    assert.match(result.reason, /always-valid p = 1\.00e-3/);
    assert.equal(calls.looks.length, 10, 'decided on look 10');
    assert.deepEqual(runs.length, 3, 'looks 1–4, 5–8, 9–10');
    assert.equal(calls.start, 1, 'the experiment is started once, not once per run');
    assert.equal(calls.looks[4]!.previous.challenger, 0.001, 'run 2 starts with run 1’s p-values');
    assert.equal(calls.looks[8]!.previous.challenger, 0.001, 'and run 3 with run 2’s');
    assert.equal(calls.promotions.length, 1);
    assert.deepEqual(calls.completions, []);
  });

  it('keeps the hold and the deadline across runs: held in run 1, it ends at the original 7 days in run 2', async () => {
    // Look 3 (the last of run 1) sees a sample-ratio mismatch: the experiment is held, then continues
    // as new still held; nobody resumes it, so it ends at the deadline set when it started.
    const { result, calls, runs } = await run((look) => analysis(50, 0.5, look === 3), 3);
    assert.equal(result.promotedVersion, undefined);
    assert.equal(result.reason, 'held past the maximum duration (7d)');
    assert.equal(calls.looks.length, 3, 'no look while held, in either run');
    assert.equal(runs.length, 2);
    assert.deepEqual(calls.alerts, ['sample_ratio_mismatch']);
    assert.equal(calls.states.length, 1, 'held once, never resumed');
    assert.equal(calls.completions.length, 1);
    const completion = calls.completions[0]!;
    assert.equal(completion.status, 'completed');
    const daysAfterStart = (completion.at - calls.startedAt) / (24 * HOUR);
    assert.ok(
      Math.abs(daysAfterStart - 7) < 1 / 24,
      `ended ${daysAfterStart.toFixed(3)} days after the start, not at the 7-day deadline`,
    );
  });
});
