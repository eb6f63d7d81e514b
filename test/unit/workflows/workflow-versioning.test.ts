import assert from 'node:assert/strict';
import {
  fingerprintSource,
  fingerprintWorkflowSources,
  MANIFEST_PATH,
  readManifest,
  workflowSourceChanges,
  type WorkflowManifest,
} from '../../support/workflow-manifest';

/**
 * The CI check of issue 15, defect 7: workflow code that running workflows replay may change only
 * with re-recorded histories or behind a new `patched()` call (docs/operations.md, "Upgrading
 * workflows safely"). See test/support/workflow-manifest.ts for what is fingerprinted and why.
 */
describe('workflow versioning: the workflow code matches the recorded histories', function () {
  // Transpiling the workflow sources takes a second or two.
  this.timeout(30_000);

  it('every file the workflow bundle runs is unchanged since its histories, or behind a new patched()', () => {
    const manifest = readManifest();
    assert.ok(manifest, `${MANIFEST_PATH} is missing: run test/support/record-histories.ts`);
    const changes = workflowSourceChanges(manifest);
    assert.deepEqual(
      changes.map((c) => `${c.file} (${c.kind})`),
      [],
      'workflow code changed since the histories in test/fixtures/histories were recorded. Either ' +
        're-record them (node -r ts-node/register test/support/record-histories.ts) or, for a change ' +
        'behind a new patched() call, accept it with ' +
        '`node -r ts-node/register test/support/workflow-manifest.ts --patched`.',
    );
  });

  it('fingerprints what runs: comments, types and formatting do not count, code does', () => {
    const base = fingerprintSource(
      `import { patched } from '@temporalio/workflow';\nexport async function wf(): Promise<number> { return 1; }\n`,
    );
    const cosmetic = fingerprintSource(
      `import { patched } from '@temporalio/workflow';\n/** The answer. */\nexport async function wf(): Promise<1 | 2> {\n  // why\n  return 1;\n}\n`,
    );
    assert.equal(cosmetic.sha256, base.sha256);
    const changed = fingerprintSource(
      `import { patched } from '@temporalio/workflow';\nexport async function wf(): Promise<number> { return 2; }\n`,
    );
    assert.notEqual(changed.sha256, base.sha256);
    const behindPatch = fingerprintSource(
      `import { patched } from '@temporalio/workflow';\nexport async function wf(): Promise<number> { return patched('v2') ? 2 : 1; }\n`,
    );
    assert.deepEqual(behindPatch.patches, ["'v2'"]);
    // A comment that mentions patched() is not a patch.
    assert.deepEqual(fingerprintSource(`// patched('not-a-patch')\nexport const x = 1;\n`).patches, []);
  });

  it('reports a changed file with the patched() calls it gained, and added and removed files', () => {
    const current = fingerprintWorkflowSources();
    const file = 'src/workflows/experiment/experiment.workflow.ts';
    assert.ok(current[file], `${file} is part of the workflow bundle`);
    assert.ok(current[file]!.patches.length > 0, 'the experiment workflow has patches');
    const accepted = Object.fromEntries(
      Object.entries(current).map(([f, fp]) => [f, { ...fp, accepted: 'recorded' as const }]),
    );
    const manifest = (files: WorkflowManifest['files']): WorkflowManifest => ({ about: '', files });
    assert.deepEqual(workflowSourceChanges(manifest(accepted), current), []);

    const [dropped, ...keptPatches] = current[file]!.patches;
    const older = {
      ...accepted,
      [file]: { sha256: 'older', patches: keptPatches, accepted: 'recorded' as const },
    };
    assert.deepEqual(workflowSourceChanges(manifest(older), current), [
      { file, kind: 'changed', newPatches: [dropped] },
    ]);
    const unpatched = { ...accepted, [file]: { ...accepted[file]!, sha256: 'older' } };
    assert.deepEqual(workflowSourceChanges(manifest(unpatched), current), [
      { file, kind: 'changed', newPatches: [] },
    ]);

    const { [file]: _removed, ...without } = accepted;
    assert.deepEqual(
      workflowSourceChanges(manifest(without), current).map((c) => c.kind),
      ['added'],
    );
    const gone = {
      ...accepted,
      'src/workflows/gone.workflow.ts': { sha256: 'x', patches: [], accepted: 'recorded' as const },
    };
    assert.deepEqual(workflowSourceChanges(manifest(gone), current), [
      { file: 'src/workflows/gone.workflow.ts', kind: 'removed', newPatches: [] },
    ]);
  });
});
