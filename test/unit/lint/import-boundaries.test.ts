// The import boundaries the developers' guide promises (workflows do no I/O; src/stats and
// src/routing/allocation are pure) are enforced by eslint.config.mjs. Each fixture under
// test/fixtures/lint names the path it is linted as and the rule it must break, or `clean`.
// The fixtures are excluded from `npm run lint` (test/fixtures/** is ignored) and linted here
// through ESLint's Node API with the project's own config.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/lint');

interface Fixture {
  readonly file: string;
  readonly text: string;
  readonly lintAs: string;
  readonly expect: string;
}

function readFixture(file: string): Fixture {
  const text = readFileSync(join(fixtures, file), 'utf8');
  const lintAs = /^\/\/ lint-as: (\S+)$/m.exec(text)?.[1];
  const expect = /^\/\/ expect: (\S+)$/m.exec(text)?.[1];
  if (lintAs === undefined || expect === undefined) {
    throw new Error(`${file}: needs '// lint-as: <path>' and '// expect: <rule>|clean' lines`);
  }
  return { file, text, lintAs, expect };
}

describe('lint: import boundaries (eslint.config.mjs)', function () {
  this.timeout(120_000);

  // Type-aware rules need the file to exist in the TS project; the boundary rules do not, so the
  // fixtures are linted with type information off and only the import rules reported.
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: join(root, 'eslint.config.mjs'),
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  });

  const all = readdirSync(fixtures)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map(readFixture);

  it('has fixtures that must fail and fixtures that must pass', () => {
    assert.ok(all.filter((f) => f.expect === 'clean').length >= 2);
    assert.ok(all.filter((f) => f.expect !== 'clean').length >= 10);
  });

  for (const fixture of all) {
    const verdict = fixture.expect === 'clean' ? 'passes' : `fails with ${fixture.expect}`;
    it(`${fixture.file} linted as ${fixture.lintAs} ${verdict}`, async () => {
      const [result] = await eslint.lintText(fixture.text, { filePath: join(root, fixture.lintAs) });
      assert.ok(result, 'ESLint returned no result');
      const rules = result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
      if (fixture.expect === 'clean') {
        assert.deepEqual(rules, []);
      } else {
        assert.ok(
          result.messages.some((m) => m.ruleId === fixture.expect && m.severity === 2),
          `expected an error from ${fixture.expect}, got ${JSON.stringify(rules)}`,
        );
      }
    });
  }
});
