import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { healthCheckWorkflow } from '../../src/workflows';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { stubWorker } from './stub-worker';

describe('workflow (stubbed activities): health check', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => env?.teardown());

  it("returns the database's answer with its own workflow id", async () => {
    const { worker, taskQueue } = await stubWorker(env, {
      checkDatabase: async () => ({ serverVersion: '18.0', schemaVersion: 12, migrations: 12 }),
    });
    const workflowId = `health:${randomUUID()}`;
    const result = await worker.runUntil(
      env.client.workflow.execute(healthCheckWorkflow, { workflowId, taskQueue }),
    );
    assert.deepEqual(result, { workflowId, serverVersion: '18.0', schemaVersion: 12, migrations: 12 });
  });

  it('retries a failing database check and succeeds when it recovers', async () => {
    let calls = 0;
    const { worker, taskQueue } = await stubWorker(env, {
      checkDatabase: async () => {
        if (++calls < 3) throw new Error('connection refused');
        return { serverVersion: '18.0', schemaVersion: 12, migrations: 12 };
      },
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(healthCheckWorkflow, { workflowId: `health:${randomUUID()}`, taskQueue }),
    );
    assert.equal(calls, 3);
    assert.equal(result.schemaVersion, 12);
  });

  it('fails at once on a non-retryable error', async () => {
    let calls = 0;
    const { worker, taskQueue } = await stubWorker(env, {
      checkDatabase: async () => {
        calls++;
        throw ApplicationFailure.nonRetryable('schema is newer than this build');
      },
    });
    await assert.rejects(
      worker.runUntil(
        env.client.workflow.execute(healthCheckWorkflow, { workflowId: `health:${randomUUID()}`, taskQueue }),
      ),
      /Workflow execution failed/,
    );
    assert.equal(calls, 1);
  });
});
