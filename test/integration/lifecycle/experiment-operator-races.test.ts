import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import { LifecycleStateKey } from '../../../src/temporal/search-attributes';
import {
  experimentStatusQuery,
  experimentWorkflow,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
} from '../../../src/workflows';
import type { ExperimentPolicyInput } from '../../../src/policies/experiment-policy';
import {
  aliasVersions,
  createChallengerExperiment,
  experimentRow,
  feedArmOutcomes,
  seedExperimentModel,
  sleep,
} from '../../support/experiment-fixtures';
import { waitFor } from '../../support/lifecycle-fixtures';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';
import { getWorkflowBundle } from '../../support/workflow-bundle';

const FAST: ExperimentPolicyInput = {
  analysisInterval: '1s',
  minSamplesPerVariant: 100,
  maxSamplesPerVariant: 20_000,
  // τ² is planned for the simulated 20-point effect (the default plans for 2 points).
  minimumDetectableEffect: 0.1,
  maxDuration: '10m',
};

/**
 * Operator actions that land while an activity of the experiment is in flight. The worker runs the
 * real activities on real Postgres, except that each look (the real analysis) waits at a gate the test
 * opens, so "during the look" is a fact of the test rather than a matter of timing.
 */
describe('experiment: operator actions during an in-flight look (real Temporal, real Postgres)', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let client: Client;
  let connection: Connection;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `races-${randomUUID()}`;

  /** Looks that have reached the gate, and the gate: closed until the test opens it. */
  let looksAtGate = 0;
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let gateAlwaysOpen = false;

  before(async function () {
    this.timeout(180_000);
    database = await createTestDatabase();
    const stack = await getTestStack();
    connection = await Connection.connect({ address: stack.temporalAddress });
    native = await NativeConnection.connect({ address: stack.temporalAddress });
    client = new Client({ connection });
    const real = createActivities({ db: database.db });
    worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: await getWorkflowBundle(),
      activities: {
        ...real,
        async analyseExperiment(input: Parameters<typeof real.analyseExperiment>[0]) {
          const analysis = await real.analyseExperiment(input);
          looksAtGate++;
          if (!gateAlwaysOpen) await gate;
          return analysis;
        },
      },
    });
    running = worker.run();
  });

  after(async function () {
    this.timeout(60_000);
    gateAlwaysOpen = true;
    openGate();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await native?.close();
    await connection?.close();
    await database?.drop();
  });

  it('a pause that arrives while the analysis is running wins: the look that would promote does not', async () => {
    const model = 'race-pause';
    await seedExperimentModel(database, model, 5);
    const experimentId = await createChallengerExperiment(database, model, FAST);
    // Decisive data before the first look: unpaused, that look promotes the challenger.
    await feedArmOutcomes(
      database,
      experimentId,
      { control: { accuracy: 0.5 }, challenger: { accuracy: 0.7 } },
      600,
      41,
    );
    const handle = await client.workflow.start(experimentWorkflow, {
      workflowId: `experiment:${experimentId}`,
      taskQueue,
      args: [{ experimentId }],
    });
    try {
      await waitFor('the first look to reach the gate', async () => looksAtGate >= 1, 30_000, 50);
      const paused = await handle.executeUpdate(pauseExperimentUpdate, { args: [{ reason: 'desk review' }] });
      assert.equal(paused.state, 'paused');
      assert.equal(paused.looks, 0, 'the pause was accepted during the first look');
      openGate();

      // The look lands (its analysis is kept) but decides nothing.
      const view = await waitFor('the in-flight look to land', async () => {
        const v = await handle.query(experimentStatusQuery);
        return v.looks >= 1 ? v : undefined;
      });
      assert.equal(view.state, 'paused');
      assert.equal(view.end, undefined);
      assert.ok(view.analysis!.comparisons[0]!.pValue < 0.001, 'the look saw a decisive difference');
      await sleep(2500);
      const later = await handle.query(experimentStatusQuery);
      assert.equal(later.state, 'paused');
      assert.equal(later.looks, 1, 'no look while paused');
      assert.deepEqual(await aliasVersions(database, model), [
        ['challenger', 2],
        ['champion', 1],
      ]);
      assert.equal((await experimentRow(database, experimentId)).status, 'paused');
      const described = await handle.describe();
      assert.equal(described.status.name, 'RUNNING');
      assert.equal(described.typedSearchAttributes.get(LifecycleStateKey), 'paused');

      // Resumed, the next look decides on the same data and promotes.
      gateAlwaysOpen = true;
      const resumed = await handle.executeUpdate(resumeExperimentUpdate);
      assert.equal(resumed.state, 'running');
      assert.equal((await handle.describe()).typedSearchAttributes.get(LifecycleStateKey), 'running');
      const result = await handle.result();
      assert.equal(result.promotedVersion, 2);
      assert.deepEqual(await aliasVersions(database, model), [['champion', 2]]);
      assert.equal((await handle.describe()).typedSearchAttributes.get(LifecycleStateKey), 'promoted');
    } finally {
      gateAlwaysOpen = true;
      openGate();
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  it('a second run of a finished experiment (as a reset would start) fails at once and changes nothing', async () => {
    const model = 'race-rerun';
    await seedExperimentModel(database, model, 6);
    const experimentId = await createChallengerExperiment(database, model, { ...FAST, maxDuration: '2s' });
    gateAlwaysOpen = true;
    const first = await client.workflow.execute(experimentWorkflow, {
      workflowId: `experiment:${experimentId}`,
      taskQueue,
      args: [{ experimentId }],
    });
    assert.equal(first.status, 'completed');
    const ended = await experimentRow(database, experimentId);

    const second = client.workflow.execute(experimentWorkflow, {
      workflowId: `experiment:${experimentId}`,
      taskQueue,
      args: [{ experimentId }],
      workflowExecutionTimeout: '60s',
    });
    const error = await second.then(
      () => assert.fail('a second run of a finished experiment must not succeed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof WorkflowFailedError, String(error));
    const cause = error.cause?.cause as { type?: string } | undefined;
    assert.equal(cause?.type, 'ExperimentEndedError');
    assert.deepEqual(await experimentRow(database, experimentId), ended, 'the stored end is untouched');
  });
});
