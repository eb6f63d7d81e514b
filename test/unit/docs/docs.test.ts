import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { generateDocs, ROOT, type GeneratedDoc } from '../../../scripts/generate-docs';

const REGENERATE = 'node -r ts-node/register scripts/generate-docs.ts';

/** The pages whose links are checked: every docs/*.md and the README. */
function markdownFiles(): string[] {
  const docs = path.join(ROOT, 'docs');
  return [
    path.join(ROOT, 'README.md'),
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => path.join(docs, f)),
  ];
}

/** Markdown without fenced code blocks and inline code, where `[x](y)` is not a link. */
function withoutCode(markdown: string): string {
  return markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

/** Link targets: inline `[text](target "title")` and reference definitions `[id]: target`. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    targets.push(m[1]!);
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(m[1]!);
  return targets;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const text = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('documentation', function () {
  // Loading the route table and the CLI registry imports most of the system once.
  this.timeout(120_000);
  let generated: GeneratedDoc[];

  before(async () => {
    generated = await generateDocs();
  });

  for (const name of ['docs/api.md', 'docs/cli.md']) {
    it(`${name} is exactly what scripts/generate-docs.ts generates from the code`, () => {
      const doc = generated.find((d) => path.relative(ROOT, d.file) === name);
      assert.ok(doc, `the generator does not produce ${name}`);
      const onDisk = existsSync(doc.file) ? readFileSync(doc.file, 'utf8') : '(missing)';
      const want = doc.content.split('\n');
      const have = onDisk.split('\n');
      const line = want.findIndex((l, i) => l !== have[i]);
      assert.ok(
        onDisk === doc.content,
        `${name} is stale (first difference at line ${line + 1}: expected ${JSON.stringify(want[line])}, ` +
          `found ${JSON.stringify(have[line])}): run \`${REGENERATE}\` and commit the result`,
      );
    });
  }

  it('every relative link in docs/*.md and README.md points to an existing file (and heading)', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const from = path.relative(ROOT, file);
      const markdown = readFileSync(file, 'utf8');
      for (const target of linkTargets(markdown)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
        const [rawPath = '', fragment] = target.split('#', 2);
        const relative = decodeURIComponent(rawPath.split('?')[0]!);
        const resolved =
          relative === ''
            ? file
            : path.resolve(relative.startsWith('/') ? ROOT : path.dirname(file), relative.replace(/^\//, ''));
        if (!existsSync(resolved)) {
          broken.push(`${from}: ${target} → ${path.relative(ROOT, resolved)} does not exist`);
          continue;
        }
        if (fragment && resolved.endsWith('.md') && statSync(resolved).isFile()) {
          if (!anchorsOf(readFileSync(resolved, 'utf8')).has(fragment.toLowerCase())) {
            broken.push(`${from}: ${target} → no heading #${fragment} in ${path.relative(ROOT, resolved)}`);
          }
        }
      }
    }
    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
  });

  it('finds the links it checks (the link parser is not vacuous)', () => {
    assert.deepEqual(
      linkTargets('[a](b.md) `[c](d.md)` [e](f.md#g "t")\n\n```\n[h](i.md)\n```\n[j]: k.md\n'),
      ['b.md', 'f.md#g', 'k.md'],
    );
    assert.ok(anchorsOf('### POST /v1/predict\n## `galfriday --help`\n## A\n## A\n').has('post-v1predict'));
    assert.ok(anchorsOf('## `galfriday --help`\n').has('galfriday---help'));
    assert.ok(anchorsOf('## A\n## A\n').has('a-1'));
  });
});
