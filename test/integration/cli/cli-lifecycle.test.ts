import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerVersion, getArtifact } from '../../../src/db/repositories/version.repository';
import type { TypedSearchAttributes } from '@temporalio/common';
import { ModelNameKey } from '../../../src/temporal/search-attributes';
import { workflowIds } from '../../../src/temporal/shared';
import { seedChampion, startHarness, waitFor, type TemporalHarness } from '../../support/lifecycle-fixtures';
import { snakeKeys } from '../../support/json-keys';
import { runCli } from '../../support/run-cli';
import { createTestDatabase, getTestStack, type TestDatabase } from '../../support/test-stack';

describe('galfriday lifecycle commands (real Temporal, real Postgres)', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let harness: TemporalHarness;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    database = await createTestDatabase();
    harness = await startHarness(database);
    const stack = await getTestStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-cli-'));
    env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      GALFRIDAY_TASK_QUEUE: harness.taskQueue,
      GALFRIDAY_DATA_DIR: dir,
      TEMPORAL_UI_URL: 'http://ui.test',
    };
    const seeded = await seedChampion(database, { model: 'cli-life', seed: 3, bars: 2400, trainBars: 2000 });
    const bytes = await getArtifact(database.db, seeded.championVersionId);
    await registerVersion(database.db, {
      model: 'cli-life',
      trainer: 'external',
      onnx: bytes,
      featureSchema: { version: 'gf-features-v1', names: [] },
      createdBy: 'test',
    });
  });
  after(async () => {
    await harness?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('retrain sends the manual update and prints the job workflow with its UI link', async () => {
    const refused = await runCli(['retrain', 'cli-life'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--reason is required/);
    const unknown = await runCli(['retrain', 'no-such-model', '--reason', 'x'], env);
    assert.equal(unknown.code, 3);

    const run = await runCli(['retrain', 'cli-life', '--reason', 'new data arrived', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const { job } = run.json<{ job: { workflowId: string; trigger: string } }>();
    assert.ok(job, run.stdout);
    assert.equal(job.workflowId, workflowIds.retraining('cli-life', 1));
    assert.equal(job.trigger, 'manual');
    // The update answers once the job's workflow has started; its row is written by its first step.
    const human = await waitFor('status to list job 1', async () => {
      const out = await runCli(['status', 'cli-life'], env);
      return /job 1 manual/.test(out.stdout) ? out : undefined;
    });
    assert.doesNotMatch(human.stdout, /UNHEALTHY/, human.stdout);
    await harness.client.workflow.getHandle(workflowIds.supervisor('cli-life')).terminate('test done');
    await harness.client.workflow
      .getHandle(job.workflowId)
      .terminate('test done')
      .catch(() => undefined);
  });

  it('creates an experiment, shows it, pauses, resumes and stops it through the workflow', async () => {
    const policy = path.join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ analysisInterval: '1s', maxDuration: '1h' }));
    const badPolicy = path.join(dir, 'bad-policy.json');
    await writeFile(badPolicy, JSON.stringify({ alpha: 2 }));
    const refused = await runCli(
      ['experiments', 'create', 'cli-life', '--control', '1', '--treatment', '2', '--policy', badPolicy],
      env,
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /policy\.alpha/);

    const created = await runCli(
      [
        'experiments',
        'create',
        'cli-life',
        '--control',
        '1',
        '--treatment',
        '2',
        '--weight',
        '0.2',
        '--policy',
        policy,
        '--json',
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const { experimentId } = created.json<{ experimentId: string }>();
    const second = await runCli(
      ['experiments', 'create', 'cli-life', '--control', '1', '--treatment', '2'],
      env,
    );
    assert.equal(second.code, 4);
    assert.match(second.stderr, /already in experiment/);

    await waitFor(
      'the experiment to run',
      async () =>
        (await runCli(['experiments', 'show', experimentId, '--json'], env)).json<{
          live: { state: string } | null;
        }>().live?.state === 'running',
    );
    const paused = await runCli(
      ['experiments', 'pause', experimentId, '--reason', 'checking feeds', '--json'],
      env,
    );
    assert.equal(paused.json<{ state: string }>().state, 'paused');
    const row = await database.db
      .selectFrom('experiments')
      .select(['status'])
      .where('experiment_id', '=', experimentId)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'paused');
    assert.equal(
      (await runCli(['experiments', 'resume', experimentId, '--json'], env)).json<{ state: string }>().state,
      'running',
    );
    const badWinner = await runCli(['experiments', 'conclude', experimentId, '--winner', 'nobody'], env);
    assert.equal(badWinner.code, 4);
    assert.match(badWinner.stderr, /winner must be one of control, treatment/);
    const stopped = await runCli(
      ['experiments', 'stop', experimentId, '--reason', 'bad feed', '--json'],
      env,
    );
    assert.equal(stopped.code, 0, stopped.stderr);
    const final = await database.db
      .selectFrom('experiments')
      .selectAll()
      .where('experiment_id', '=', experimentId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([final.status, final.completion_reason], ['stopped', 'bad feed']);
    const list = await runCli(['experiments', 'list', '--model', 'cli-life', '--json'], env);
    const listed = list.json<Array<{ experimentId: string; status: string; completionReason: string }>>();
    assert.deepEqual(
      [listed[0]?.experimentId, listed[0]?.status, listed[0]?.completionReason],
      [experimentId, 'stopped', 'bad feed'],
    );
    assert.deepEqual(snakeKeys(listed), [], 'experiments list --json is camelCase');
    const shown = (await runCli(['experiments', 'show', experimentId, '--json'], env)).json<{
      experiment: { experimentId: string; variants: Array<{ version: number; isControl: boolean }> };
    }>();
    assert.equal(shown.experiment.experimentId, experimentId);
    assert.deepEqual(shown.experiment.variants.map((v) => [v.version, v.isControl]).sort(), [
      [1, true],
      [2, false],
    ]);
    assert.deepEqual(snakeKeys(shown), [], 'experiments show --json is camelCase');
  });

  it('sets, lists and deletes a retraining schedule with explicit overlap and catch-up', async () => {
    const set = await runCli(
      ['schedules', 'set', 'cli-life', '--every', '7d', '--catchup', '2h', '--json'],
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(
      [set.json<{ everyMs: number }>().everyMs, set.json<{ created: boolean }>().created],
      [7 * 86_400_000, true],
    );
    const description = await harness.client.schedule.getHandle('retrain-schedule:cli-life').describe();
    assert.equal(description.policies.overlap, 'SKIP');
    assert.deepEqual(
      (description.action.typedSearchAttributes as TypedSearchAttributes | undefined)?.get(ModelNameKey),
      'cli-life',
      'each tick carries ModelName',
    );
    assert.equal(description.policies.catchupWindow, 2 * 3_600_000);
    const updated = await runCli(['schedules', 'set', 'cli-life', '--every', '1d', '--json'], env);
    assert.equal(updated.json<{ created: boolean }>().created, false);
    const list = await runCli(['schedules', 'list', '--json'], env);
    assert.ok(list.json<Array<{ model: string }>>().some((s) => s.model === 'cli-life'));
    assert.equal((await runCli(['schedules', 'delete', 'cli-life'], env)).code, 0);
    assert.equal((await runCli(['schedules', 'delete', 'cli-life'], env)).code, 3);
    await harness.client.workflow
      .getHandle(workflowIds.supervisor('cli-life'))
      .terminate('test done')
      .catch(() => undefined);
  });
});
