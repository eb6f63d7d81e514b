import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { workflowIds } from '../../../src/temporal/shared';
import { createGalfridayWorker } from '../../../src/workers/create-worker';
import { healthCheckWorkflow } from '../../../src/workflows';
import { getWorkflowBundle } from '../../support/workflow-bundle';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

describe('health-check workflow', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let connection: Connection;
  let nativeConnection: NativeConnection;

  before(async () => {
    const stack = await getTestStack();
    database = await createTestDatabase();
    connection = await Connection.connect({ address: stack.temporalAddress });
    nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  });
  after(async () => {
    await connection?.close();
    await nativeConnection?.close();
    await database?.drop();
  });

  it('runs through a real worker and reads the schema version from Postgres', async () => {
    const taskQueue = `health-${Date.now()}`;
    const worker = await createGalfridayWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: { db: database.db },
      workflowBundle: await getWorkflowBundle(),
    });
    const client = new Client({ connection });
    const workflowId = workflowIds.healthCheck(taskQueue);
    const result = await worker.runUntil(
      client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId }),
    );
    const { rows } = await database.pool.query(
      'SELECT max(version) AS v, count(*) AS n FROM schema_migrations',
    );
    assert.equal(result.workflowId, workflowId);
    assert.equal(result.schemaVersion, rows[0].v);
    assert.equal(result.migrations, Number(rows[0].n));
    assert.match(result.serverVersion, /^\d+\.\d+/);
    const description = await client.workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'COMPLETED');
  });
});
