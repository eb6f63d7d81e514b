import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../src/activities';
import { experimentWorkflow } from '../../src/workflows';
import type { ExperimentAnalysis } from '../../src/workflows/experiment/experiment-types';
import { experimentPolicySchema } from '../../src/policies/experiment-policy';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { stubWorker } from './stub-worker';

type Args<K extends keyof Activities> = Parameters<Activities[K]>[0];

describe('workflow (stubbed activities): experiment held on a sample ratio mismatch', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => env?.teardown());

  it('pauses the experiment, raises one critical alert, decides nothing more, and ends at its maximum duration', async () => {
    const policy = experimentPolicySchema.parse({ maxDuration: '2d', analysisInterval: '6h' });
    const mismatched: ExperimentAnalysis = {
      analysedAt: 0,
      arms: ['control', 'challenger'].map((variant, i) => ({
        variant,
        isControl: i === 0,
        assignments: i === 0 ? 9_000 : 1_000,
        n: 0,
        mean: 0,
        variance: 0,
        totalReturn: 0,
        maxDrawdown: 0,
      })),
      comparisons: [],
      srm: { chi2: 6400, pValue: 1e-300, mismatch: true },
      guardrailBreaches: [],
    };
    let looks = 0;
    const states: Array<Args<'setExperimentState'>> = [];
    const alerts: Array<Args<'raiseAlert'>> = [];
    const moved: unknown[] = [];
    const { worker, taskQueue } = await stubWorker(env, {
      startExperiment: async ({ experimentId }) => ({
        experimentId,
        model: 'wf-model',
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
        return mismatched;
      },
      setExperimentState: async (input) => void states.push(input),
      raiseAlert: async (input) => void alerts.push(input),
      moveModelAlias: async (input) => {
        moved.push(input);
        throw ApplicationFailure.nonRetryable('a held experiment promotes nothing');
      },
      completeExperiment: async () => undefined,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(experimentWorkflow, {
        workflowId: `experiment:${randomUUID()}`,
        taskQueue,
        args: [{ experimentId: randomUUID() }],
      }),
    );
    assert.equal(looks, 1, 'a held experiment is not analysed again');
    assert.deepEqual(
      states.map((s) => s.status),
      ['paused'],
    );
    assert.match(states[0]!.note ?? '', /sample ratio mismatch/);
    const srm = alerts.filter((a) => a.kind === 'sample_ratio_mismatch');
    assert.equal(srm.length, 1);
    assert.equal(srm[0]!.severity, 'critical');
    assert.deepEqual(moved, [], 'nothing is promoted');
    assert.equal(result.promotedVersion, undefined);
    assert.match(result.reason, /held past the maximum duration \(2d\)/);
  });
});
