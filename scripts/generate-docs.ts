/**
 * Generates the reference pages that must never drift from the code:
 *
 * - `docs/api.md` from the routing service's route table and the OpenAPI document built from it
 *   (`buildOpenApiDocument`), with the error registry for statuses and meanings;
 * - `docs/cli.md` from the CLI command registry (`commands`) and `galfriday --help` (`helpText()`).
 *
 *   node -r ts-node/register scripts/generate-docs.ts           # write both files
 *   node -r ts-node/register scripts/generate-docs.ts --check   # exit 1 when either file is stale
 *
 * Output is formatted with the project's Prettier configuration, so `prettier --check .` accepts it.
 * test/unit/docs/docs.test.ts compares the committed files with a fresh generation.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import type { Command } from '../src/cli/command';
import { commands } from '../src/cli/commands';
import { ExitCode } from '../src/cli/exit-codes';
import { helpText } from '../src/cli/main';
import { buildOpenApiDocument } from '../src/routing/service/api/openapi-document';
import { ROUTER_ERROR_CODES, type RouterErrorCode } from '../src/routing/service/errors/router-error-codes';
import type { RouteDefinition } from '../src/routing/service/http/route-definition';
import type { RoutingContext } from '../src/routing/service/routing-context';
import { createRoutes } from '../src/routing/service/routes';

export const ROOT = path.resolve(__dirname, '..');
export const API_DOC = path.join(ROOT, 'docs', 'api.md');
export const CLI_DOC = path.join(ROOT, 'docs', 'cli.md');

const REGENERATE = 'node -r ts-node/register scripts/generate-docs.ts';
/** Default body limit of a route without `bodyLimit` (src/routing/service/http/route-definition.ts). */
const DEFAULT_BODY_LIMIT = 65_536;

type JsonSchema = Record<string, unknown>;
type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

// ---------------------------------------------------------------------------------------------------
// Markdown helpers

/** Text for a table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function fence(text: string, lang = 'text'): string {
  return ['```' + lang, text.replace(/\n+$/, ''), '```'].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// JSON Schema (OpenAPI 3.0 flavour, as zod's toJSONSchema writes it) → field tables

/** Bounds zod writes for every integer; they say nothing to a reader. */
const SAFE_INTEGER = 9_007_199_254_740_991;

function resolve(schema: unknown, doc: OpenApiDocument): JsonSchema {
  const s = (schema ?? {}) as JsonSchema;
  const ref = s.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const schemas = doc.components.schemas as Record<string, JsonSchema>;
    return resolve(schemas[ref.slice('#/components/schemas/'.length)], doc);
  }
  return s;
}

function variantsOf(s: JsonSchema): JsonSchema[] | undefined {
  const list = (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
  return Array.isArray(list) && list.length > 0 ? list : undefined;
}

// An object with no named property (a map, e.g. zod's object({}).catchall()) is not a record of fields.
function isObjectWithProperties(s: JsonSchema): boolean {
  return typeof s.properties === 'object' && s.properties !== null && Object.keys(s.properties).length > 0;
}

/** Longer enumerations are listed in the notes instead of the type column. */
const MAX_INLINE_ENUM = 6;

/** A compact type expression: `string (uuid)`, `number[]`, `object<string, number>`, `"a" | "b"`. */
function typeOf(schema: unknown, doc: OpenApiDocument): string {
  const s = resolve(schema, doc);
  let type: string;
  const variants = variantsOf(s);
  if (Array.isArray(s.enum) && s.enum.length > MAX_INLINE_ENUM) {
    type = typeof s.type === 'string' ? s.type : 'enum';
  } else if (Array.isArray(s.enum)) {
    type = s.enum.map((v) => JSON.stringify(v)).join(' | ');
  } else if (variants) {
    type = [...new Set(variants.map((v) => typeOf(v, doc)))].join(' | ');
  } else if (s.type === 'array') {
    const item = typeOf(s.items, doc);
    type = item.includes(' ') ? `(${item})[]` : `${item}[]`;
  } else if (s.type === 'object' || isObjectWithProperties(s)) {
    const extra = s.additionalProperties;
    type =
      !isObjectWithProperties(s) &&
      typeof extra === 'object' &&
      extra !== null &&
      Object.keys(extra).length > 0
        ? `object<string, ${typeOf(extra, doc)}>`
        : 'object';
  } else if (typeof s.type === 'string') {
    type = typeof s.format === 'string' ? `${s.type} (${s.format})` : s.type;
  } else {
    type = 'any';
  }
  return s.nullable === true ? `${type} | null` : type;
}

/** Constraints a client must respect, in words. */
function constraintsOf(schema: JsonSchema): string[] {
  const out: string[] = [];
  const bound = (value: unknown, exclusive: unknown, strict: string, loose: string) => {
    if (typeof value !== 'number' || Math.abs(value) === SAFE_INTEGER) return;
    out.push(`${exclusive === true ? strict : loose} ${value}`);
  };
  bound(schema.minimum, schema.exclusiveMinimum, '>', '≥');
  bound(schema.maximum, schema.exclusiveMaximum, '<', '≤');
  if (typeof schema.minLength === 'number' || typeof schema.maxLength === 'number') {
    out.push(`length ${schema.minLength ?? 0}–${schema.maxLength ?? '∞'}`);
  }
  if (typeof schema.minItems === 'number' || typeof schema.maxItems === 'number') {
    out.push(`${schema.minItems ?? 0}–${schema.maxItems ?? '∞'} items`);
  }
  if (Array.isArray(schema.enum) && schema.enum.length > MAX_INLINE_ENUM) {
    out.push(`one of ${schema.enum.length} values: ${schema.enum.map((v) => code(String(v))).join(', ')}`);
  }
  if (schema.format === 'date-time') out.push('ISO 8601 date-time with an offset');
  else if (typeof schema.pattern === 'string' && schema.pattern.length <= 60) {
    out.push(`matches ${code(schema.pattern)}`);
  }
  const variants = variantsOf(schema);
  if (variants) {
    for (const v of variants) {
      if (v.type === 'array') out.push(...constraintsOf(v).map((c) => `array: ${c}`));
    }
  }
  return out;
}

interface FieldRow {
  field: string;
  type: string;
  required: boolean;
  notes: string;
}

/** `status = "proposed"` for a union member that a constant property tells apart. */
function discriminatorOf(variant: JsonSchema): string | undefined {
  for (const [name, prop] of Object.entries((variant.properties ?? {}) as Record<string, JsonSchema>)) {
    if (Array.isArray(prop.enum) && prop.enum.length === 1)
      return `${name} = ${JSON.stringify(prop.enum[0])}`;
  }
  return undefined;
}

/** One row per property, depth first; nested objects, arrays of objects and object unions expanded. */
function fieldRows(schema: unknown, doc: OpenApiDocument, prefix = '', when = ''): FieldRow[] {
  const s = resolve(schema, doc);
  const rows: FieldRow[] = [];
  const required = new Set((s.required as string[] | undefined) ?? []);
  for (const [name, raw] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) {
    const prop = resolve(raw, doc);
    const field = prefix ? `${prefix}.${name}` : name;
    const notes = [
      ...(when ? [`when ${when}`] : []),
      ...(typeof prop.description === 'string' ? [prop.description] : []),
      ...constraintsOf(prop),
    ];
    rows.push({ field, type: typeOf(prop, doc), required: required.has(name), notes: notes.join('; ') });
    // The condition of a union member is shown on its own fields, not repeated on their children.
    rows.push(...nestedRows(prop, doc, field));
  }
  return rows;
}

function nestedRows(prop: JsonSchema, doc: OpenApiDocument, field: string): FieldRow[] {
  if (isObjectWithProperties(prop)) return fieldRows(prop, doc, field);
  if (prop.type === 'array') {
    const item = resolve(prop.items, doc);
    if (isObjectWithProperties(item) || variantsOf(item)) return nestedRows(item, doc, `${field}[]`);
    return [];
  }
  const variants = variantsOf(prop);
  if (!variants) return [];
  return variants.flatMap((variant) => {
    const v = resolve(variant, doc);
    if (!isObjectWithProperties(v)) return [];
    const label = discriminatorOf(v) ?? `it is ${typeOf(v, doc)}`;
    return fieldRows(v, doc, field, `${field}.${label}`);
  });
}

function fieldTable(schema: unknown, doc: OpenApiDocument): string {
  const rows = fieldRows(schema, doc);
  if (rows.length === 0) return `Type ${code(typeOf(schema, doc))}.`;
  const withNotes = rows.some((r) => r.notes !== '');
  return table(
    ['Field', 'Type', 'Required', ...(withNotes ? ['Notes'] : [])],
    rows.map((r) => [
      code(r.field),
      code(r.type),
      r.required ? 'yes' : 'no',
      ...(withNotes ? [r.notes] : []),
    ]),
  );
}

/**
 * A body: one table, or one table per form when the schema is a union of objects. Request bodies
 * say whether unknown fields are refused (the router's schemas are strict).
 */
function bodySection(schema: unknown, doc: OpenApiDocument, direction: 'request' | 'response'): string {
  const s = resolve(schema, doc);
  const variants = variantsOf(s);
  const strict = (o: JsonSchema) => direction === 'request' && o.additionalProperties === false;
  if (
    !isObjectWithProperties(s) &&
    variants &&
    variants.every((v) => isObjectWithProperties(resolve(v, doc)))
  ) {
    return [
      `One of ${variants.length} forms:`,
      ...variants.map((v, i) => {
        const form = resolve(v, doc);
        return [
          `**Form ${i + 1}**${strict(form) ? ' (unknown fields are rejected)' : ''}`,
          fieldTable(form, doc),
        ].join('\n\n');
      }),
    ].join('\n\n');
  }
  return [...(strict(s) ? ['Unknown fields are rejected.'] : []), fieldTable(s, doc)].join('\n\n');
}

// ---------------------------------------------------------------------------------------------------
// docs/api.md

const SCOPE_TEXT: Record<string, string> = {
  public: 'none',
  engine: 'engine token (`GALFRIDAY_ENGINE_TOKEN`)',
  admin: 'admin token (`GALFRIDAY_ADMIN_TOKEN`)',
  metrics: 'metrics token (`GALFRIDAY_METRICS_TOKEN`) or admin token',
};

/**
 * The route table without a running router. Route factories only capture the context for their
 * handlers; the proxy answers any property read with another proxy so a factory that reads eagerly
 * still builds, and nothing here ever calls a handler.
 */
function documentationRoutes(): RouteDefinition[] {
  const inert: unknown = new Proxy(function inert() {}, {
    get: (_target, key) => (key === Symbol.toPrimitive ? () => '' : inert),
    apply: () => inert,
  });
  return createRoutes(inert as RoutingContext) as unknown as RouteDefinition[];
}

function codesIn(text: string): RouterErrorCode[] {
  const found: string[] = text.match(/ROUTER_ERR_[A-Z_]+/g) ?? [];
  return found.filter((c): c is RouterErrorCode => c in ROUTER_ERROR_CODES);
}

function kib(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes.toLocaleString('en-US')} bytes`;
}

export function renderApiMarkdown(routes: readonly RouteDefinition[], doc: OpenApiDocument): string {
  const byOperation = new Map(routes.map((r) => [`${r.method.toLowerCase()} ${r.path}`, r]));
  const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path: p, method, op: op as Record<string, unknown> })),
  );
  const scopeOf = (op: Record<string, unknown>): string => {
    const security = (op.security as Array<Record<string, unknown>> | undefined) ?? [];
    const scheme = Object.keys(security[0] ?? {})[0];
    return scheme === undefined ? 'public' : scheme.replace(/Token$/, '');
  };
  const anchor = (method: string, p: string) =>
    `${method} ${p}`
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-');

  const out: string[] = [];
  out.push(
    '# Routing service API reference',
    `<!-- Generated by scripts/generate-docs.ts from src/routing/service/routes.ts and src/routing/service/api/openapi-document.ts. Do not edit: run \`${REGENERATE}\`. -->`,
    `Generated from the route table (\`src/routing/service/routes.ts\`), the OpenAPI document built from it (\`buildOpenApiDocument\`, also served at \`GET /openapi.json\`) and the error registry (\`src/routing/service/errors/router-error-codes.ts\`). Behaviour behind these endpoints — allocation, batching, what a crash can lose, degraded modes — is described in [routing.md](routing.md).`,
    `OpenAPI ${doc.openapi}, "${String(doc.info.title)}" version ${String(doc.info.version)}.`,
    '## Authentication',
    'Every non-public endpoint takes `Authorization: Bearer <token>`. A missing or unknown token is 401 `ROUTER_ERR_UNAUTHORIZED`; a valid token of the other scope is 403 `ROUTER_ERR_FORBIDDEN`.',
    table(
      ['Scheme', 'Type', 'Used for'],
      Object.entries((doc.components.securitySchemes ?? {}) as Record<string, JsonSchema>).map(
        ([name, s]) => [
          code(name),
          `${String(s.type)} ${String(s.scheme ?? '')}`.trim(),
          String(s.description ?? ''),
        ],
      ),
    ),
    '## Endpoints',
    table(
      ['Method and path', 'Auth', 'Success', 'Summary'],
      operations.map(({ path: p, method, op }) => {
        const success = Object.keys(op.responses as object).find((s) => s.startsWith('2')) ?? '';
        return [
          `[${code(`${method.toUpperCase()} ${p}`)}](#${anchor(method, p)})`,
          scopeOf(op),
          success,
          String(op.summary ?? ''),
        ];
      }),
    ),
  );

  for (const { path: p, method, op } of operations) {
    const route = byOperation.get(`${method} ${p}`);
    const scope = scopeOf(op);
    out.push(`### ${method.toUpperCase()} ${p}`, String(op.summary ?? '') + '.');
    if (typeof op.description === 'string') out.push(op.description);
    const facts = [
      `- Operation id: ${code(String(op.operationId))}`,
      `- Auth: ${SCOPE_TEXT[scope] ?? scope}`,
    ];
    const requestBody = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
    if (requestBody) {
      const types = Object.keys(requestBody.content).map(code).join(', ');
      facts.push(`- Request body: ${types}, at most ${kib(route?.bodyLimit ?? DEFAULT_BODY_LIMIT)}`);
    } else {
      facts.push('- Request body: none (a body sent anyway is ignored)');
    }
    out.push(facts.join('\n'));
    if (requestBody) {
      for (const [type, media] of Object.entries(requestBody.content)) {
        out.push(`**Request body** (${code(type)})`, bodySection(media.schema, doc, 'request'));
      }
    }
    const responses = op.responses as Record<
      string,
      { description: string; content?: Record<string, { schema: unknown }> }
    >;
    for (const [status, response] of Object.entries(responses)) {
      if (!status.startsWith('2')) continue;
      for (const [type, media] of Object.entries(response.content ?? {})) {
        out.push(
          `**Response ${status}** (${code(type)})`,
          type.startsWith('application/json')
            ? bodySection(media.schema, doc, 'response')
            : `Body: ${typeOf(media.schema, doc)} in this format.`,
        );
      }
    }
    const errorRows: string[][] = [];
    for (const [status, response] of Object.entries(responses)) {
      if (status.startsWith('2')) continue;
      for (const c of codesIn(response.description))
        errorRows.push([status, code(c), ROUTER_ERROR_CODES[c].meaning]);
    }
    out.push(
      '**Errors** (body: [error envelope](#error-envelope))',
      table(['Status', 'Code', 'Meaning'], errorRows),
    );
    const documented = new Set(errorRows.map((r) => r[1]));
    const perItem = (route?.errors ?? []).filter((c) => !documented.has(code(c)));
    if (perItem.length > 0) {
      out.push(
        'Per-item codes, reported inside a successful response rather than as its status:',
        table(
          ['Code', 'Meaning'],
          perItem.map((c) => [code(c), ROUTER_ERROR_CODES[c].meaning]),
        ),
      );
    }
  }

  out.push(
    '## Error envelope',
    'Every error response has this body. `details` carries structured data for some codes (for `ROUTER_ERR_FEATURE_SCHEMA`: the missing, extra and non-finite feature names; for `ROUTER_ERR_VALIDATION`: every failing field).',
    fieldTable((doc.components.schemas as Record<string, unknown>).Error, doc),
    '## Error codes',
    'The complete registry. `ROUTER_ERR_NOT_FOUND` (no such path) and `ROUTER_ERR_METHOD_NOT_ALLOWED` (the path exists with another method; `Allow` names it) can be answered by any request, so they are not repeated per endpoint.',
    table(
      ['Code', 'HTTP status', 'Meaning'],
      (
        Object.entries(ROUTER_ERROR_CODES) as Array<[RouterErrorCode, { status: number; meaning: string }]>
      ).map(([c, { status, meaning }]) => [code(c), String(status), meaning]),
    ),
  );
  return out.join('\n\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// docs/cli.md

/** What each exit code means; a code missing here fails the generation so the page cannot lag. */
const EXIT_CODE_MEANINGS: Record<string, string> = {
  OK: 'success',
  FAILURE:
    'something failed at run time (a server error, a bug); set `GALFRIDAY_DEBUG=1` to print the stack trace',
  USAGE: 'the command line or the configuration is wrong',
  NOT_FOUND: 'a named model, version, experiment or file does not exist',
  REJECTED: 'understood and refused: a validation gate failed, input data was bad, no drift decision',
  UNAVAILABLE: 'a server the command needs (Temporal, PostgreSQL) cannot be reached',
};

function commandName(command: Command): string {
  return `galfriday ${command.path.join(' ')}`;
}

function optionRows(command: Command): string[][] {
  return Object.entries(command.options ?? {}).map(([name, spec]) => {
    const flag =
      code(`--${name}${spec.type === 'string' ? ' VALUE' : ''}`) +
      (spec.short ? `, ${code(`-${spec.short}`)}` : '');
    const kind = spec.type === 'string' ? 'takes a value' : 'flag';
    return [flag, spec.multiple ? `${kind}, repeatable` : kind];
  });
}

export function renderCliMarkdown(registry: readonly Command[], help: string): string {
  for (const name of Object.keys(ExitCode)) {
    if (!(name in EXIT_CODE_MEANINGS))
      throw new Error(`scripts/generate-docs.ts: describe exit code ${name}`);
  }
  const slug = (command: Command) => commandName(command).replace(/ /g, '-');
  const out: string[] = [
    '# galfriday CLI reference',
    `<!-- Generated by scripts/generate-docs.ts from src/cli/commands/index.ts and src/cli/main.ts. Do not edit: run \`${REGENERATE}\`. -->`,
    'Generated from the command registry (`src/cli/commands/index.ts`) and `helpText()` (`src/cli/main.ts`). In a checkout run `./bin/galfriday`; it uses `dist/` when built (`npm run build`), else the TypeScript sources. Concepts are explained in [concepts.md](concepts.md), day-to-day operation in [operations.md](operations.md).',
    '## `galfriday --help`',
    fence(help),
    '## Commands',
    table(
      ['Command', 'Summary'],
      registry.map((c) => [`[${code(commandName(c))}](#${slug(c)})`, c.summary]),
    ),
    'Every command also takes `--json` (machine-readable output on stdout; notes and progress go to stderr) and `--help`. Values are given as `--name VALUE`; unknown options are a usage error (exit 2).',
    '## JSON output',
    [
      'Under `--json` every command prints one JSON value on stdout in the shape of the API, never a raw database row:',
      '',
      '- keys are camelCase (`versionId`, `parentVersionId`, `createdAt`, `alertId`, `experimentId`, `winnerVariant`), the same names the routing API and the dashboard use;',
      "- a list is a JSON array of the objects its items are shown as (`experiments list` gives the summary fields of `experiments show`'s `experiment`);",
      '- times are ISO 8601 strings in UTC; ids are strings; a value that is absent is `null`, not a missing key;',
      '- artifact bytes are never printed (`sha256` names them; `models export` writes them);',
      '- JSON that the user wrote or a trainer or an analysis produced is shown as stored, keys and all: gate, supervisor and experiment policies, `hyperparameters`, `metrics`, `featureSchema`, alert `details`, experiment `results`.',
      '',
      '`test/integration/cli/cli-model-policies.test.ts` checks the `models`, `data` and `alerts` outputs, and `test/integration/cli/cli-lifecycle.test.ts` the `experiments` ones, for snake_case keys (`test/support/json-keys.ts`).',
    ].join('\n'),
  ];
  for (const command of registry) {
    out.push(
      `### ${commandName(command)}`,
      command.summary + '.',
      fence([commandName(command), command.usage].filter(Boolean).join(' '), 'sh'),
    );
    const options = optionRows(command);
    if (options.length > 0) out.push(table(['Option', 'Kind'], options));
    if (command.details) out.push(fence(command.details));
  }
  out.push(
    '## Exit codes',
    'Scripts can rely on these (`src/cli/exit-codes.ts`). Under `--json` a failing command also prints `{ "error", "exitCode" }` on stdout.',
    table(
      ['Code', 'Name', 'Meaning'],
      Object.entries(ExitCode).map(([name, value]) => [String(value), code(name), EXIT_CODE_MEANINGS[name]!]),
    ),
  );
  return out.join('\n\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// Generation, writing and checking

async function formatMarkdown(file: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

export interface GeneratedDoc {
  file: string;
  content: string;
}

/** Both generated pages, formatted, as they should be on disk. */
export async function generateDocs(): Promise<GeneratedDoc[]> {
  const routes = documentationRoutes();
  const doc = buildOpenApiDocument(routes as unknown as RouteDefinition<never>[]);
  return [
    { file: API_DOC, content: await formatMarkdown(API_DOC, renderApiMarkdown(routes, doc)) },
    { file: CLI_DOC, content: await formatMarkdown(CLI_DOC, renderCliMarkdown(commands, helpText())) },
  ];
}

/** The generated files whose content on disk differs from a fresh generation. */
export async function staleDocs(): Promise<string[]> {
  const stale: string[] = [];
  for (const { file, content } of await generateDocs()) {
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current !== content) stale.push(path.relative(ROOT, file));
  }
  return stale;
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(
      `generate-docs: unknown argument ${unknown.join(' ')}; usage: ${REGENERATE} [--check]\n`,
    );
    return 2;
  }
  if (argv.includes('--check')) {
    const stale = await staleDocs();
    if (stale.length > 0) {
      process.stderr.write(`generate-docs: stale: ${stale.join(', ')}; run \`${REGENERATE}\`\n`);
      return 1;
    }
    process.stdout.write('generate-docs: docs/api.md and docs/cli.md are up to date\n');
    return 0;
  }
  for (const { file, content } of await generateDocs()) {
    await writeFile(file, content);
    process.stdout.write(`wrote ${path.relative(ROOT, file)}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `generate-docs: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
