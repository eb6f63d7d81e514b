import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import { workflowIds } from '../../src/temporal/shared';
import { modelSupervisorWorkflow, supervisorStatusQuery } from '../../src/workflows';
import { parseSupervisorPolicy } from '../../src/policies/supervisor-policy';
import type { SupervisorStatus } from '../../src/workflows/supervisor/supervisor-types';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { stubWorker } from './stub-worker';

type DriftSummary = Awaited<ReturnType<Activities['checkModelDrift']>>;

describe('workflow (stubbed activities): supervisor drift hysteresis', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => env?.teardown());

  it('starts a drift retraining only after 2 of the last 3 hourly checks drifted', async () => {
    const model = `wf-sup-${randomUUID().slice(0, 8)}`;
    const check = (drifted: boolean): DriftSummary => ({
      checkedAt: Date.now(),
      status: 'checked',
      sampleSize: 500,
      drifted,
      share: drifted ? 0.8 : 0.1,
      features: [{ name: 'ret_1', drifted } as DriftSummary['features'][number]],
      performanceDegraded: false,
    });
    // Checks answer drifted, stable, drifted, then stable: the third check is the second breach
    // among the last three, and the only moment a retraining may start.
    const answers = [true, false, true];
    let checks = 0;
    let checksAtJobStart: number[] = [];
    let firstJob!: () => void;
    const jobStarted = new Promise<void>((resolve) => (firstJob = resolve));
    const { worker, taskQueue } = await stubWorker(env, {
      loadSupervisorContext: async ({ policy }) => ({
        storedPolicy: {},
        nextJobNumber: 1,
        policy: parseSupervisorPolicy(policy ?? {}),
      }),
      checkModelDrift: async () => check(answers[checks++] ?? false),
      beginRetrainingJob: async ({ jobNumber }) => {
        checksAtJobStart = [...checksAtJobStart, checks];
        firstJob();
        return { jobId: `job-${jobNumber}`, champion: null, policy: parseSupervisorPolicy({}) };
      },
      prepareTrainingData: async () => {
        throw ApplicationFailure.nonRetryable('no market data in this test');
      },
      finishRetrainingJob: async () => undefined,
    });
    await worker.runUntil(async () => {
      const supervisor = await env.client.workflow.start(modelSupervisorWorkflow, {
        workflowId: workflowIds.supervisor(model),
        taskQueue,
        args: [{ model, policy: { driftCheckInterval: '1h', hysteresis: { breaches: 2, window: 3 } } }],
      });
      // The day's sleep is a call the server holds until that (skipped) time: it is cancelled and has
      // ended before the teardown closes the connection, or its retry after the server's exit throws
      // "Channel has been shut down" as an uncaught error into whichever test runs next.
      const sleeping = new AbortController();
      const dayPassed = env.connection
        .withAbortSignal(sleeping.signal, () => env.sleep('1d'))
        .then(() => false);
      try {
        // The test server skips to the next timer by itself while nothing runs, so the hourly
        // checks come on their own; what is asserted is the order of checks and job starts.
        const started = await Promise.race([jobStarted.then(() => true), dayPassed]);
        assert.ok(started, 'no retraining started in a day of drifted checks');
        assert.deepEqual(checksAtJobStart, [3], 'one job, started right after the third check');
        const status: SupervisorStatus = await supervisor.query(supervisorStatusQuery);
        assert.equal(status.lastStarted!.jobNumber, 1);
        assert.equal(status.lastStarted!.trigger, 'drift');
        assert.equal(status.lastDrift!.drifted, true);
        assert.equal(status.decisions.filter((d) => d.kind === 'drift-check').length >= 3, true);
        const requested = status.decisions.filter((d) => d.kind === 'requested');
        assert.equal(requested.length, 1, JSON.stringify(status.decisions));
        assert.match(requested[0]!.detail, /drift in 2 of the last 3 (disjoint )?(checks|windows): ret_1/);
      } finally {
        await supervisor.terminate('test over');
        sleeping.abort();
        await dayPassed.catch(() => false);
      }
    });
  });
});
