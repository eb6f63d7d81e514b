import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../../src/activities';
import { workflowIds } from '../../../src/temporal/shared';
import {
  experimentWorkflow,
  modelSupervisorWorkflow,
  requestRetrainingSignal,
  supervisorStatusQuery,
} from '../../../src/workflows';
import { experimentPolicySchema } from '../../../src/policies/experiment-policy';
import { parseSupervisorPolicy } from '../../../src/policies/supervisor-policy';
import type { ExperimentAnalysis } from '../../../src/workflows/experiment/experiment-types';
import type { SupervisorStatus } from '../../../src/workflows/supervisor/supervisor-types';
import { createTimeSkippingEnv } from '../../support/time-skipping';
import { getWorkflowBundle } from '../../support/workflow-bundle';

/** Activities that answer instantly: these tests are about timers, not about what activities do. */
function fakeActivities(overrides: Partial<Activities>): Partial<Activities> {
  return { raiseAlert: async () => undefined, ...overrides };
}

describe('lifecycle timers on the time-skipping test server', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;

  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => env?.teardown());

  async function worker(activities: Partial<Activities>, taskQueue: string): Promise<Worker> {
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await getWorkflowBundle(),
      activities,
    });
  }

  it('ends an experiment nobody decides at its 7-day maximum duration', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    const policy = experimentPolicySchema.parse({ maxDuration: '7d', analysisInterval: '6h' });
    const empty: ExperimentAnalysis = {
      analysedAt: 0,
      arms: ['control', 'challenger'].map((variant, i) => ({
        variant,
        isControl: i === 0,
        assignments: 0,
        n: 0,
        mean: 0,
        variance: 0,
        totalReturn: 0,
        maxDrawdown: 0,
      })),
      comparisons: [],
      srm: { chi2: 0, pValue: 1, mismatch: false },
      guardrailBreaches: [],
    };
    let looks = 0;
    const w = await worker(
      fakeActivities({
        startExperiment: async ({ experimentId }) => ({
          experimentId,
          model: 'ts-model',
          policy,
          variants: [
            { variant: 'control', versionId: '1', version: 1, isControl: true, weight: 0.5 },
            { variant: 'challenger', versionId: '2', version: 2, isControl: false, weight: 0.5 },
          ],
          coverage: 1,
          startedAt: Date.now(),
        }),
        analyseExperiment: async () => {
          looks++;
          return empty;
        },
        completeExperiment: async () => undefined,
        setExperimentState: async () => undefined,
      }),
      taskQueue,
    );
    const result = await w.runUntil(
      env.client.workflow.execute(experimentWorkflow, {
        workflowId: `experiment:${randomUUID()}`,
        taskQueue,
        args: [{ experimentId: randomUUID() }],
      }),
    );
    assert.equal(result.status, 'completed');
    assert.equal(result.promotedVersion, undefined);
    assert.match(result.reason, /maximum duration \(7d\)/);
    assert.ok(looks >= 27 && looks <= 29, `analysed every 6 h for 7 days, got ${looks} looks`);
  });

  it('holds an automatic retraining for the 6 h cooldown after the last job; a manual one starts at once', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    const model = `ts-sup-${randomUUID().slice(0, 8)}`;
    const HOUR = 3_600_000;
    // Every retraining fails at its first step: the test is about when the supervisor starts jobs.
    const w = await worker(
      fakeActivities({
        loadSupervisorContext: async ({ policy }) => ({
          storedPolicy: {},
          nextJobNumber: 1,
          policy: parseSupervisorPolicy(policy ?? {}),
        }),
        checkModelDrift: async () => ({
          checkedAt: Date.now(),
          status: 'insufficient-data',
          sampleSize: 0,
          drifted: false,
          share: 0,
          features: [],
          performanceDegraded: false,
        }),
        beginRetrainingJob: async ({ jobNumber }) => ({
          jobId: `job-${jobNumber}`,
          champion: null,
          policy: parseSupervisorPolicy({}),
        }),
        prepareTrainingData: async () => {
          throw ApplicationFailure.nonRetryable('no market data in this test');
        },
        finishRetrainingJob: async () => undefined,
        // Jobs here always report; had one vanished, this is where the supervisor would learn it.
        reconcileRetrainingJob: async () => ({ state: 'running' }),
      }),
      taskQueue,
    );
    await w.runUntil(async () => {
      const supervisor = await env.client.workflow.start(modelSupervisorWorkflow, {
        workflowId: workflowIds.supervisor(model),
        taskQueue,
        args: [{ model, policy: { cooldown: '6h', driftCheckInterval: '30d' } }],
      });
      const status = (): Promise<SupervisorStatus> => supervisor.query(supervisorStatusQuery);
      // Queries do not move the test server's clock; these waits are for real work (job start and failure).
      const until = async (
        what: string,
        done: (s: SupervisorStatus) => boolean,
      ): Promise<SupervisorStatus> => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const s = await status().catch(() => null);
          if (s !== null && done(s)) return s;
          if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      const drift = { trigger: 'drift' as const, reason: 'test drift', requestedBy: 'test' };

      await supervisor.signal(requestRetrainingSignal, drift);
      const first = await until(
        'job 1 finished',
        (s) => s.lastOutcome?.workflowId === workflowIds.retraining(model, 1),
      );
      assert.equal(first.lastOutcome!.status, 'failed');
      const finishedAt = first.lastFinishedAt!;

      await supervisor.signal(requestRetrainingSignal, drift);
      const waiting = await until('second request pending', (s) => s.pending !== null);
      assert.equal(waiting.running, null);
      assert.equal(waiting.cooldownEndsAt, finishedAt + 6 * HOUR);

      await env.sleep('5h');
      const stillWaiting = await status();
      assert.equal(stillWaiting.lastStarted!.jobNumber, 1, 'no job starts inside the cooldown');
      assert.notEqual(stillWaiting.pending, null);

      await env.sleep('2h');
      const second = await until('job 2 started', (s) => s.lastStarted?.jobNumber === 2);
      assert.ok(
        second.lastStarted!.startedAt >= finishedAt + 6 * HOUR,
        `job 2 started ${(second.lastStarted!.startedAt - finishedAt) / HOUR} h after job 1 ended`,
      );
      assert.ok(second.lastStarted!.startedAt < finishedAt + 7 * HOUR + 60_000);
      const afterSecond = await until(
        'job 2 finished',
        (s) => s.lastOutcome?.workflowId === workflowIds.retraining(model, 2),
      );

      // A person asking is not held by the cooldown that the end of job 2 started.
      await supervisor.signal(requestRetrainingSignal, {
        trigger: 'manual',
        reason: 'operator',
        requestedBy: 'test',
      });
      const third = await until('manual job 3 started', (s) => s.lastStarted?.jobNumber === 3);
      assert.equal(third.lastStarted!.trigger, 'manual');
      // The test server moves its clock on by itself while nothing runs, so "at once" is checked as
      // "inside the cooldown an automatic request would have waited for".
      assert.ok(
        third.lastStarted!.startedAt < afterSecond.lastFinishedAt! + 6 * HOUR,
        `manual job 3 started ${(third.lastStarted!.startedAt - afterSecond.lastFinishedAt!) / HOUR} h after job 2 ended`,
      );
      await supervisor.terminate('test over');
    });
  });
});
