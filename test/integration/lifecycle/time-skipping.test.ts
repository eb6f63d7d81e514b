import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../../src/activities';
import { experimentWorkflow } from '../../../src/workflows';
import { experimentPolicySchema } from '../../../src/workflows/policies/experiment-policy';
import type { ExperimentAnalysis } from '../../../src/workflows/experiment/experiment-types';
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
});
