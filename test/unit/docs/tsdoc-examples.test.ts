import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/*
 * Every ```ts block under a `### Examples` heading in src TSDoc is type-checked, the way Kysely
 * compiles its documentation examples: an example that no longer compiles has drifted from the code
 * it documents. Each source file gets one virtual sibling (same directory, so relative imports
 * resolve) holding the file's own text, so an example sees the file's private helpers and imports,
 * followed by each example in a namespace of its own. An example states the context it assumes with
 * leading `declare const name: Type;` lines, which stay at the namespace's top level (so two examples
 * of one file may declare the same name differently), and with `import` lines for what the file does
 * not import itself, which move to the file's top level; the rest of the example is the body of an
 * async function, so `await` works. One program holds every virtual file, so the whole check costs
 * about one `tsc` run; a diagnostic is reported at the source file's line.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'src');

interface Example {
  /** 1-based line in the source file of the example's first code line. */
  readonly line: number;
  readonly code: readonly string[];
}

/** Source lines of the virtual file's example regions, to report a diagnostic at file:line. */
interface VirtualFile {
  readonly source: string;
  readonly fileName: string;
  readonly text: string;
  /** Virtual line (0-based) → source line (1-based), for lines that came from an example. */
  readonly lineMap: ReadonlyMap<number, number>;
  readonly examples: number;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files.sort();
}

/** The ```ts blocks under a `### Examples` heading of each TSDoc comment in `text`. */
function extractExamples(text: string): Example[] {
  const lines = text.split('\n');
  const examples: Example[] = [];
  let inDoc = false;
  let inExamples = false;
  let fence: { line: number; code: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!inDoc) {
      if (/^\s*\/\*\*/.test(line) && !/\*\/\s*$/.test(line)) inDoc = true;
      continue;
    }
    if (/\*\/\s*$/.test(line) && !fence) {
      inDoc = false;
      inExamples = false;
      continue;
    }
    const content = line.replace(/^\s*\* ?/, '');
    if (fence) {
      if (/^```\s*$/.test(content)) {
        examples.push({ line: fence.line, code: fence.code });
        fence = undefined;
      } else fence.code.push(content);
      continue;
    }
    if (/^#{1,6}\s/.test(content)) inExamples = /^###\s+Examples\s*$/.test(content);
    else if (inExamples && /^```(ts|typescript)\s*$/.test(content)) fence = { line: i + 2, code: [] };
  }
  return examples;
}

const DECLARE = /^declare\s+(const|let|function|class|type|interface)\b/;
const IMPORT = /^import\s/;

function virtualFile(source: string, examples: readonly Example[]): VirtualFile {
  const out: string[] = readFileSync(source, 'utf8').split('\n');
  const lineMap = new Map<number, number>();
  const imports: { text: string; line: number }[] = [];
  out.push('export {};');
  examples.forEach((example, n) => {
    out.push(`namespace __tsdocExample${n} {`);
    let k = 0;
    // Leading declarations (and any imports) are the context the example assumes.
    for (; k < example.code.length; k++) {
      const code = example.code[k]!;
      if (IMPORT.test(code)) imports.push({ text: code, line: example.line + k });
      else if (DECLARE.test(code) || code.trim() === '' || code.trim().startsWith('//')) {
        lineMap.set(out.length, example.line + k);
        out.push(code);
      } else break;
    }
    out.push('  export async function run(): Promise<void> {');
    for (; k < example.code.length; k++) {
      lineMap.set(out.length, example.line + k);
      out.push(example.code[k]!);
    }
    out.push('  }', '}');
  });
  // Examples of one file may import the same name; the file imports it once.
  const seen = new Set<string>();
  for (const { text, line } of imports) {
    if (seen.has(text.trim())) continue;
    seen.add(text.trim());
    lineMap.set(out.length, line);
    out.push(text);
  }
  const base = path.basename(source, '.ts');
  return {
    source,
    fileName: path.join(path.dirname(source), `${base}.__tsdoc-examples__.ts`),
    text: out.join('\n'),
    lineMap,
    examples: examples.length,
  };
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(ROOT, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  // Only node's globals: mocha's (`context`, `it`) would otherwise stand in for names an example forgot.
  return { ...parsed.options, types: ['node'], noEmit: true, sourceMap: false };
}

/** Per source file, the diagnostics of its examples as `file:line: message`. */
function checkExamples(files: readonly VirtualFile[]): Map<string, string[]> {
  const options = compilerOptions();
  const byName = new Map(files.map((f) => [path.normalize(f.fileName), f]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const virtual = byName.get(path.normalize(fileName));
    if (virtual) return ts.createSourceFile(fileName, virtual.text, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => byName.has(path.normalize(fileName)) || fileExists(fileName);
  const program = ts.createProgram({ rootNames: [...byName.keys()], options, host });
  const results = new Map<string, string[]>();
  for (const file of files) {
    const sf = program.getSourceFile(file.fileName);
    assert.ok(sf, `virtual file missing: ${file.fileName}`);
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const messages: string[] = [];
    const rel = path.relative(ROOT, file.source);
    for (const d of diagnostics) {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const virtualLine = d.start === undefined ? -1 : sf.getLineAndCharacterOfPosition(d.start).line;
      const line = file.lineMap.get(virtualLine);
      messages.push(
        line === undefined
          ? `${rel} (outside the examples, virtual line ${virtualLine + 1}): TS${d.code}: ${text}`
          : `${rel}:${line}: TS${d.code}: ${text}`,
      );
    }
    results.set(file.source, messages);
  }
  return results;
}

describe('TSDoc examples type-check', function () {
  const files = sourceFiles(SRC).flatMap((source) => {
    const examples = extractExamples(readFileSync(source, 'utf8'));
    return examples.length === 0 ? [] : [virtualFile(source, examples)];
  });
  let results: Map<string, string[]>;

  before(function () {
    this.timeout(120_000);
    results = checkExamples(files);
  });

  it('finds the examples', () => {
    assert.ok(files.length > 50, `only ${files.length} files with examples`);
  });

  for (const file of files) {
    it(`${path.relative(ROOT, file.source)} (${file.examples} example${file.examples === 1 ? '' : 's'})`, () => {
      const messages = results.get(file.source) ?? [];
      assert.equal(messages.length, 0, messages.join('\n'));
    });
  }
});
