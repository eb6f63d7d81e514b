/**
 * The fingerprint of the workflow code the recorded histories (test/fixtures/histories) were made
 * with, so that a change to workflow code cannot reach running workflows unversioned.
 *
 * What is fingerprinted: every file of src/ a workflow bundle executes — src/workflows/index.ts (and the
 * backtest's src/workflows/backtest/index.ts) and,
 * transitively, every module it `require`s at run time (type-only imports vanish, so activities do
 * not count, while helpers such as src/util/duration.ts do). Each file is hashed after TypeScript has
 * stripped its types and comments: a comment, a type or the formatting can change freely, any change
 * to what runs cannot.
 *
 * The manifest (test/fixtures/workflow-sources.json) says, per file, the hash and the
 * `patched(…)` calls it had when it was last accepted. test/unit/workflows/workflow-versioning.test.ts
 * fails while any file differs from it. Two ways to accept a change:
 *
 *   node -r ts-node/register test/support/record-histories.ts         # re-record every history
 *   node -r ts-node/register test/support/workflow-manifest.ts --patched # the change is behind a new patched()
 *
 * The first writes the manifest after recording; the second accepts only files that gained a
 * `patched(…)` call they did not have, and refuses anything else.
 *
 * Why a manifest of content hashes and not `git diff` against the last commit that touched the
 * fixtures: hashes need no history (CI's shallow clones, tarballs), do not depend on commit order
 * (merging a branch whose workflow change is older than another branch's re-recording would hide
 * it from a diff), and see uncommitted changes too.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
export const MANIFEST_PATH = path.join(ROOT, 'test/fixtures/workflow-sources.json');
/** The bundles' entry points: the lifecycle workflows, and the backtest's own (smaller) bundle. */
const ENTRIES = ['src/workflows/index.ts', 'src/workflows/backtest/index.ts'];

export interface WorkflowSourceFingerprint {
  /** sha256 of the file with types and comments stripped. */
  sha256: string;
  /** The argument text of every `patched(…)` call in the file, sorted. */
  patches: string[];
}

export interface WorkflowManifest {
  about: string;
  /**
   * How each file was accepted: its histories re-recorded, its change put behind a new patched(), or
   * `baseline` (the manifest's first version: the code the replay test passed with on that commit).
   */
  files: Record<string, WorkflowSourceFingerprint & { accepted: 'recorded' | 'patched' | 'baseline' }>;
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

function resolveModule(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')])
    if (existsSync(candidate)) return candidate;
  return undefined;
}

/** The runtime code of a file: TypeScript's output without types or comments. */
function runtimeCode(file: string): string {
  return runtimeCodeOf(readFileSync(file, 'utf8'), file);
}

function runtimeCodeOf(source: string, file: string): string {
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      removeComments: true,
    },
    fileName: file,
  }).outputText;
}

/**
 * The emitter keeps some of the source's line breaks; the tokens, one space apart, do not depend on
 * formatting at all (the output has explicit semicolons, so no line break carries meaning).
 */
function tokensOf(code: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, code);
  const tokens: string[] = [];
  while (scanner.scan() !== ts.SyntaxKind.EndOfFileToken) tokens.push(scanner.getTokenText());
  return tokens.join(' ');
}

function fingerprintOf(code: string): WorkflowSourceFingerprint {
  return {
    sha256: createHash('sha256').update(tokensOf(code)).digest('hex'),
    patches: [...new Set([...code.matchAll(/\bpatched\)?\(\s*([^)]*?)\s*\)/g)].map((m) => m[1]!))].sort(),
  };
}

/** The fingerprint of one TypeScript source text (exported for the tests of this check). */
export function fingerprintSource(source: string, fileName = 'workflow.ts'): WorkflowSourceFingerprint {
  return fingerprintOf(runtimeCodeOf(source, fileName));
}

/** Every src/ file the workflow bundle runs, with its fingerprint. */
export function fingerprintWorkflowSources(): Record<string, WorkflowSourceFingerprint> {
  const result: Record<string, WorkflowSourceFingerprint> = {};
  const queue = ENTRIES.map((entry) => path.join(ROOT, entry));
  while (queue.length) {
    const file = queue.pop()!;
    const key = rel(file);
    if (key in result) continue;
    const code = runtimeCode(file);
    result[key] = fingerprintOf(code);
    for (const m of code.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const dep = resolveModule(file, m[1]!);
      if (dep) queue.push(dep);
    }
  }
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
}

export function readManifest(): WorkflowManifest | undefined {
  if (!existsSync(MANIFEST_PATH)) return undefined;
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as WorkflowManifest;
}

export interface WorkflowSourceChange {
  file: string;
  kind: 'changed' | 'added' | 'removed';
  /** `patched(…)` calls the file has now and did not have when last accepted. */
  newPatches: string[];
}

/** Files whose runtime code differs from the manifest. */
export function workflowSourceChanges(
  manifest: WorkflowManifest | undefined = readManifest(),
  current = fingerprintWorkflowSources(),
): WorkflowSourceChange[] {
  const accepted = manifest?.files ?? {};
  const changes: WorkflowSourceChange[] = [];
  for (const [file, now] of Object.entries(current)) {
    const before = accepted[file];
    if (before?.sha256 === now.sha256) continue;
    changes.push({
      file,
      kind: before ? 'changed' : 'added',
      newPatches: now.patches.filter((p) => !(before?.patches ?? []).includes(p)),
    });
  }
  for (const file of Object.keys(accepted))
    if (!(file in current)) changes.push({ file, kind: 'removed', newPatches: [] });
  return changes;
}

const ABOUT =
  'Fingerprints of the workflow code the histories in this directory replay against; see test/support/workflow-manifest.ts. ' +
  'Written by record-histories.ts (all scenarios) or workflow-manifest.ts --patched; never by hand.';

/** Writes the manifest: every current file as `accepted` (only `files`, when given). */
export function writeManifest(
  accepted: WorkflowManifest['files'][string]['accepted'],
  files?: string[],
): WorkflowManifest {
  const current = fingerprintWorkflowSources();
  const previous = readManifest()?.files ?? {};
  const next: WorkflowManifest['files'] = {};
  for (const [file, fingerprint] of Object.entries(current)) {
    if (files && !files.includes(file)) {
      if (previous[file]) next[file] = previous[file]!;
      continue;
    }
    next[file] = { ...fingerprint, accepted };
  }
  const manifest: WorkflowManifest = { about: ABOUT, files: next };
  writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--patched')) {
    const changes = workflowSourceChanges();
    const unpatched = changes.filter((c) => c.kind === 'removed' || c.newPatches.length === 0);
    if (unpatched.length) {
      console.error(
        `not behind a new patched() call: ${unpatched.map((c) => `${c.file} (${c.kind})`).join(', ')}.\n` +
          'Put the behaviour change behind patched(), or re-record the histories (test/support/record-histories.ts).',
      );
      process.exit(1);
    }
    writeManifest(
      'patched',
      changes.map((c) => c.file),
    );
    console.log(
      changes.length
        ? `accepted ${changes.map((c) => `${c.file} (${c.newPatches.join(', ')})`).join('; ')}`
        : 'nothing changed',
    );
    return;
  }
  if (args.includes('--init') && !readManifest()) {
    writeManifest('baseline');
    console.log(`wrote ${rel(MANIFEST_PATH)}`);
    return;
  }
  console.error('usage: workflow-manifest.ts --patched | --init');
  process.exit(2);
}

if (require.main === module) main();
