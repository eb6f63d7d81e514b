import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import { workflowIds } from '../../src/temporal/shared';
import {
  checkDriftNowUpdate,
  modelSupervisorWorkflow,
  requestRetrainingUpdate,
  supervisorStatusQuery,
} from '../../src/workflows';
import { parseSupervisorPolicy } from '../../src/policies/supervisor-policy';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { stubWorker } from './stub-worker';

type DriftSummary = Awaited<ReturnType<Activities['checkModelDrift']>>;

/** Rejects after `ms` of real time, naming what did not happen. */
const within = <T>(ms: number, what: string, promise: Promise<T>): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)),
  ]);

describe('workflow (stubbed activities): a drift check in flight does not hold requests', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => env?.teardown());

  it('answers a manual retraining while a drift check hangs, and records the check when it ends', async () => {
    const model = `wf-sup-${randomUUID().slice(0, 8)}`;
    // The chaos run's case: the worker running the check died, so the check ends only after its
    // heartbeat timeout and a retry. Here it ends when the test says so.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let checkStarted!: () => void;
    const checking = new Promise<void>((resolve) => (checkStarted = resolve));
    const jobs: number[] = [];
    const { worker, taskQueue } = await stubWorker(env, {
      loadSupervisorContext: async ({ policy }) => ({
        storedPolicy: {},
        nextJobNumber: 1,
        policy: parseSupervisorPolicy(policy ?? {}),
      }),
      checkModelDrift: async (): Promise<DriftSummary> => {
        checkStarted();
        await released;
        return {
          checkedAt: Date.now(),
          status: 'checked',
          sampleSize: 500,
          drifted: false,
          share: 0,
          features: [],
          performanceDegraded: false,
        };
      },
      beginRetrainingJob: async ({ jobNumber }) => {
        jobs.push(jobNumber);
        return { jobId: `job-${jobNumber}`, champion: null, policy: parseSupervisorPolicy({}) };
      },
      prepareTrainingData: async () => {
        throw ApplicationFailure.nonRetryable('no market data in this test');
      },
      finishRetrainingJob: async () => undefined,
      reconcileRetrainingJob: async () => ({ state: 'running' }),
    });
    await worker.runUntil(async () => {
      const supervisor = await env.client.workflow.start(modelSupervisorWorkflow, {
        workflowId: workflowIds.supervisor(model),
        taskQueue,
        args: [{ model, policy: { driftCheckInterval: '1h' } }],
      });
      try {
        // Not awaited: it waits for the check, which hangs.
        const driftNow = supervisor.executeUpdate(checkDriftNowUpdate, { args: [] });
        await within(30_000, 'the drift check did not start', checking);
        const answer = await within(
          20_000,
          'a manual request got no job while a drift check was in flight',
          supervisor.executeUpdate(requestRetrainingUpdate, {
            args: [{ reason: 'test', requestedBy: 'test' }],
          }),
        );
        assert.equal(answer.workflowId, workflowIds.retraining(model, 1));
        assert.equal(answer.merged, false);
        release();
        const lastDrift = await within(20_000, 'checkDriftNow did not answer', driftNow);
        assert.equal(lastDrift?.drifted, false, 'the update answers with the check that ended');
        const status = await supervisor.query(supervisorStatusQuery);
        assert.ok(
          status.decisions.some((d) => d.kind === 'drift-check'),
          JSON.stringify(status.decisions),
        );
      } finally {
        release();
        await supervisor.terminate('test over').catch(() => undefined);
      }
    });
    assert.deepEqual(jobs, [1]);
  });
});
