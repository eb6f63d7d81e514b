import assert from 'node:assert/strict';
import { recentJobs } from '../../../src/db/repositories/retraining-job.repository';
import { ensureSupervisor, requestManualRetraining } from '../../../src/temporal/lifecycle-client';
import { seedChampion, startHarness, waitFor, type TemporalHarness } from '../../support/lifecycle-fixtures';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

/**
 * Found by the chaos run: a job cancelled while its first step (beginRetrainingJob) ran left its row
 * `pending` for ever, since the step still inserted the row after the workflow had given up on it.
 */
describe('a retraining job cancelled at its first step (real Temporal, real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let harness: TemporalHarness;

  before(async () => {
    database = await createTestDatabase();
    harness = await startHarness(database);
    await seedChampion(database, { model: 'cancel-start', seed: 4, bars: 1200, trainBars: 1000 });
    await ensureSupervisor(harness.client, harness.taskQueue, 'cancel-start', { driftCheckInterval: '1h' });
  });
  after(async () => {
    await harness?.close();
    await database?.drop();
  });

  it('ends the row cancelled, never pending', async () => {
    const { answer } = await requestManualRetraining(harness.client, harness.taskQueue, 'cancel-start', {
      reason: 'cancelled at once',
      requestedBy: 'test',
    });
    await harness.client.workflow.getHandle(answer!.workflowId).cancel();
    const job = await waitFor(
      'the job row to end',
      async () =>
        (await recentJobs(database.db, 'cancel-start', 5)).find(
          (j) => j.workflow_id === answer!.workflowId && !['pending', 'running'].includes(j.status),
        ),
      30_000,
    );
    assert.equal(job.status, 'cancelled');
  });
});
