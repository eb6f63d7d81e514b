import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../../src/workers/runtime';
import { HISTORIES_DIR, parseHistory } from '../../support/record-histories';
import { getWorkflowBundle } from '../../support/workflow-bundle';

/**
 * Every history in test/fixtures/histories (recorded by test/support/record-histories.ts, or exported
 * from a cluster with `temporal workflow show --output json`) must replay against today's workflow
 * code. A change that is not replay-safe — an activity added, removed or reordered, a different
 * timer, a branch on anything but history — fails here, before it can break running workflows.
 * Intended changes go behind `patched()`; then re-record. Needs no server: the replayer runs the
 * bundled workflow code against the stored events.
 */
const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string): History {
  return parseHistory(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
}

const workflowTypeOf = (history: History) =>
  history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

const decode = (payload: { data?: Uint8Array | null } | null | undefined): unknown =>
  payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;

/** The branches of the experiment workflow a history went through, read from its events. */
function experimentBranchesOf(history: History): Set<string> {
  const branches = new Set<string>();
  for (const event of history.events ?? []) {
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (update) branches.add(update);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'raiseAlert') {
      const kind = (decode(scheduled.input?.payloads?.[0]) as { kind?: string } | undefined)?.kind;
      if (kind === 'sample_ratio_mismatch') branches.add('srm-hold');
      if (kind === 'guardrail_breach') branches.add('guardrail-rollback');
    }
    if (scheduled?.activityType?.name === 'promoteWinner') branches.add('promotion');
    if (event.workflowExecutionCanceledEventAttributes) branches.add('cancellation');
    if (event.workflowExecutionContinuedAsNewEventAttributes) branches.add('continue-as-new');
    const started = event.workflowExecutionStartedEventAttributes;
    if (started && (decode(started.input?.payloads?.[0]) as { carried?: unknown } | undefined)?.carried)
      branches.add('carried-state');
  }
  return branches;
}

describe('replay of recorded workflow histories (determinism, no server)', function () {
  this.timeout(60_000);

  before(async function () {
    // Bundling the workflows is the slow part; every replay below reuses the bundle.
    this.timeout(120_000);
    // Replay workers log their every state change at INFO; keep the output to warnings. (A run that
    // already made the runtime, e.g. the integration stack with the same settings, keeps it.)
    try {
      installTemporalRuntime('WARN');
    } catch {
      // already installed
    }
    await getWorkflowBundle();
  });

  it('has a recorded history of every long-lived workflow type', () => {
    const types = new Set(files.map((f) => workflowTypeOf(load(f))));
    for (const type of [
      'modelSupervisorWorkflow',
      'retrainingWorkflow',
      'experimentWorkflow',
      'healthCheckWorkflow',
    ]) {
      assert.ok(
        types.has(type),
        `no history of ${type} in ${HISTORIES_DIR}; run test/support/record-histories.ts`,
      );
    }
  });

  it('has a recorded history of every branch of the experiment workflow', () => {
    const covered = new Set<string>();
    for (const file of files) {
      const history = load(file);
      if (workflowTypeOf(history) === 'experimentWorkflow')
        for (const branch of experimentBranchesOf(history)) covered.add(branch);
    }
    const branches = [
      'pause',
      'resume',
      'stop',
      'conclude',
      'changeAllocation',
      'srm-hold',
      'guardrail-rollback',
      'promotion',
      'cancellation',
      'continue-as-new',
      'carried-state',
    ];
    assert.deepEqual(
      branches.filter((b) => !covered.has(b)),
      [],
      `experiment branches without a recorded history; run test/support/record-histories.ts`,
    );
  });

  for (const file of files) {
    it(`replays ${file} without a nondeterminism error`, async () => {
      const history = load(file);
      assert.ok((history.events?.length ?? 0) > 3, `${file} holds a history`);
      const workflowId = `replay:${path.basename(file, '.json')}`;
      await Worker.runReplayHistory({ workflowBundle: await getWorkflowBundle() }, history, workflowId);
    });
  }
});
