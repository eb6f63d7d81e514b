import { readFile, writeFile } from 'node:fs/promises';
import {
  aliasAt,
  aliasHistory,
  getAliases,
  moveAlias,
  rollbackChampion,
} from '../../db/repositories/alias.repository';
import { ensureModel, getModel, listModels, setModelPolicies } from '../../db/repositories/model.repository';
import {
  getArtifact,
  getVersion,
  listVersions,
  registerVersion,
  type ModelVersionSummary,
} from '../../db/repositories/version.repository';
import { ModelNotFoundError } from '../../db/errors';
import type { ModelAlias } from '../../db/tables/registry.table';
import { TRAINERS, type TrainerName } from '../../lifecycle/model-pipeline';
import { trainModelVersion } from '../../lifecycle/train-model-version';
import { checkModelAgainstSchema, gatePolicySchema, inspectOnnxModel } from '../../ml';
import { parseSupervisorPolicy } from '../../policies/supervisor-policy';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { createProgress } from '../progress';
import { choiceOption, dateOption, intOption, positional, symbolOption, timeframeOption } from './options';

const ALIASES: readonly ModelAlias[] = ['champion', 'challenger', 'shadow'];
/**
 * A version as `--json` shows it: camelCase API shape (docs/cli.md), never the raw database row,
 * and without the artifact bytes.
 */
function versionJson(v: ModelVersionSummary) {
  return {
    versionId: v.version_id,
    version: v.version,
    parentVersionId: v.parent_version_id,
    stage: v.stage,
    trainer: v.trainer,
    hyperparameters: v.hyperparameters,
    metrics: v.metrics,
    featureSchema: v.feature_schema,
    trainingWindowStart: v.training_window_start,
    trainingWindowEnd: v.training_window_end,
    sha256: v.onnx_sha256,
    createdBy: v.created_by,
    workflowId: v.workflow_id,
    idempotencyKey: v.idempotency_key,
    createdAt: v.created_at,
  };
}

const fmt = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));

/** A model's policies as read from `--gate` and `--supervisor` files, validated, as stored. */
interface PolicyFiles {
  gatePolicy?: unknown;
  supervisorPolicy?: unknown;
}

const POLICY_OPTIONS = { gate: { type: 'string' }, supervisor: { type: 'string' } } as const;

async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      ExitCode.NOT_FOUND,
    );
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`, ExitCode.USAGE);
  }
}

/**
 * Reads and validates `--gate gate.json` and `--supervisor supervisor.json` before anything touches
 * the database, so a bad file stores nothing. The error names the file and the field. What is stored
 * is the file's JSON as written (defaults are applied when the policy is read), as `models policy`
 * has always done; `models train` and `models register` share this.
 */
async function readPolicyFiles(values: { gate?: string; supervisor?: string }): Promise<PolicyFiles> {
  const policies: PolicyFiles = {};
  const gateFile = values.gate;
  if (gateFile) {
    const gate = await readJsonFile(gateFile);
    const parsed = gatePolicySchema.safeParse(gate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(
        `${gateFile}: gate policy field gate.${issue.path.join('.') || '(root)'}: ${issue.message}`,
        ExitCode.USAGE,
      );
    }
    policies.gatePolicy = gate;
  }
  const supervisorFile = values.supervisor;
  if (supervisorFile) {
    const supervisor = await readJsonFile(supervisorFile);
    try {
      parseSupervisorPolicy(supervisor);
    } catch (error) {
      // parseSupervisorPolicy says `policy.<field>: <problem>`.
      throw new CliError(
        `${supervisorFile}: supervisor policy field ${(error as Error).message}`,
        ExitCode.USAGE,
      );
    }
    policies.supervisorPolicy = supervisor;
  }
  return policies;
}

const hasPolicies = (p: PolicyFiles) => p.gatePolicy !== undefined || p.supervisorPolicy !== undefined;

export const modelsTrainCommand = command({
  path: ['models', 'train'],
  summary: 'Train on stored bars, validate against the gate and champion, register the version',
  usage:
    '<name> --symbol S --timeframe 1d --target prob_up|price_change_pct --trainer logreg|gbdt [--from DATE --to DATE] [--gate gate.json] [--supervisor supervisor.json]',
  options: {
    ...POLICY_OPTIONS,
    symbol: { type: 'string' },
    timeframe: { type: 'string' },
    target: { type: 'string' },
    trainer: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  details:
    "The last 20% of the window is the holdout. The first version that passes its floors becomes champion;\nlater ones are registered and can be promoted or tried in an experiment. A refused candidate exits with 4.\n--gate and --supervisor store the model's policies (as `models policy` does) before training, so this\nversion is already judged by the given gate; they are stored even when the candidate is refused.",
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const target = values.target ?? 'prob_up';
    if (target !== 'prob_up' && target !== 'price_change_pct')
      throw new CliError(`--target must be prob_up or price_change_pct, got "${target}"`, ExitCode.USAGE);
    const trainer = values.trainer ?? 'logreg';
    if (!TRAINERS.includes(trainer as TrainerName))
      throw new CliError(`--trainer must be one of ${TRAINERS.join(', ')}, got "${trainer}"`, ExitCode.USAGE);
    const policies = await readPolicyFiles(values);
    const { db } = await ctx.database();
    // An existing model gets its policies now; a new one is created by trainModelVersion with the
    // gate (so its first version is judged by it) and gets the rest right after.
    let forNewModel: PolicyFiles | undefined;
    if (hasPolicies(policies)) {
      try {
        await setModelPolicies(db, name, policies);
      } catch (error) {
        if (!(error instanceof ModelNotFoundError)) throw error;
        forNewModel = policies;
      }
    }
    let progress: ReturnType<typeof createProgress> | undefined;
    const result = await trainModelVersion(db, {
      model: name,
      symbol: symbolOption(values),
      timeframe: timeframeOption(values),
      target,
      trainer: trainer as TrainerName,
      from: dateOption(values, 'from'),
      to: dateOption(values, 'to'),
      createdBy: `cli:${process.env.USER ?? 'unknown'}`,
      ...(forNewModel?.gatePolicy !== undefined ? { gatePolicy: forNewModel.gatePolicy } : {}),
      onProgress: (p) => {
        progress ??= createProgress(`training ${name}`, p.maxIterations, !ctx.json);
        progress.update(
          p.iteration,
          `iteration ${p.iteration}/${p.maxIterations} loss ${p.trainLoss.toFixed(4)}`,
        );
      },
    });
    progress?.finish();
    if (forNewModel?.supervisorPolicy !== undefined)
      await setModelPolicies(db, name, { supervisorPolicy: forNewModel.supervisorPolicy });
    const metrics = result.evaluation.evaluation.metrics;
    const checks = result.evaluation.gate.checks.map(
      (c) => `  ${c.passed ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}`,
    );
    const data = {
      model: name,
      version: result.version?.version ?? null,
      passed: result.evaluation.gate.passed,
      becameChampion: result.becameChampion,
      bars: result.bars,
      metrics,
      checks: result.evaluation.gate.checks,
    };
    if (!result.version) {
      ctx.print(`Candidate for ${name} refused by its gate; nothing registered.\n${checks.join('\n')}`, data);
      return ExitCode.REJECTED;
    }
    ctx.print(
      `Registered ${name} v${result.version.version}${result.becameChampion ? ' (champion)' : ''} from ${result.bars} bars.\n` +
        `  holdout: ${Object.entries(metrics)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(', ')}\n${checks.join('\n')}`,
      data,
    );
  },
});

export const modelsRegisterCommand = command({
  path: ['models', 'register'],
  summary: 'Register an ONNX model trained elsewhere after checking it against a feature schema',
  usage:
    '<name> --onnx file.onnx --features schema.json [--target prob_up] [--symbol S --timeframe 1d] [--gate gate.json] [--supervisor supervisor.json]',
  options: {
    ...POLICY_OPTIONS,
    onnx: { type: 'string' },
    features: { type: 'string' },
    target: { type: 'string' },
    symbol: { type: 'string' },
    timeframe: { type: 'string' },
  },
  details:
    'schema.json is {"version": "…", "names": ["ret_1", …]} in input-column order. Input/output names,\ntypes and shapes must match it; what differs is listed and nothing is stored.\n--gate and --supervisor store the model\'s policies, as `models policy` does.',
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const onnxPath = values.onnx;
    const schemaPath = values.features;
    if (!onnxPath || !schemaPath) throw new CliError('--onnx and --features are required', ExitCode.USAGE);
    const target = values.target ?? 'prob_up';
    if (!['prob_up', 'prob_down', 'price_change_pct'].includes(target))
      throw new CliError(
        `--target must be prob_up, prob_down or price_change_pct, got "${target}"`,
        ExitCode.USAGE,
      );
    const read = (file: string) =>
      readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(
          `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
          ExitCode.NOT_FOUND,
        );
      });
    const [bytes, schemaText] = await Promise.all([read(onnxPath), read(schemaPath)]);
    const policies = await readPolicyFiles(values);
    let schema: { version: string; names: string[] };
    try {
      schema = JSON.parse(schemaText.toString('utf8'));
    } catch (error) {
      throw new CliError(`${schemaPath} is not JSON: ${(error as Error).message}`, ExitCode.REJECTED);
    }
    if (
      !schema ||
      typeof schema.version !== 'string' ||
      !Array.isArray(schema.names) ||
      !schema.names.every((n) => typeof n === 'string') ||
      schema.names.length === 0
    ) {
      throw new CliError(
        `${schemaPath} must be {"version": string, "names": [string, …]}`,
        ExitCode.REJECTED,
      );
    }
    let differences: string[];
    try {
      differences = checkModelAgainstSchema(inspectOnnxModel(bytes), schema, {
        task: target === 'price_change_pct' ? 'regression' : 'classification',
      });
    } catch (error) {
      throw new CliError(`${onnxPath}: ${(error as Error).message}`, ExitCode.REJECTED);
    }
    if (differences.length > 0) {
      ctx.print(
        `Refused ${onnxPath}: it does not match ${schemaPath}:\n${differences.map((d) => `  - ${d}`).join('\n')}`,
        { registered: false, differences },
      );
      return ExitCode.REJECTED;
    }
    const { db } = await ctx.database();
    await ensureModel(db, {
      name,
      predictionTarget: target as 'prob_up',
      featureSchema: schema,
      ...(values.symbol ? { symbol: symbolOption(values) } : {}),
      ...(values.timeframe ? { timeframe: timeframeOption(values) } : {}),
    });
    if (hasPolicies(policies)) await setModelPolicies(db, name, policies);
    const { version } = await registerVersion(db, {
      model: name,
      trainer: 'external',
      onnx: bytes,
      featureSchema: schema,
      createdBy: `cli:${process.env.USER ?? 'unknown'}`,
    });
    ctx.print(
      `Registered ${name} v${version.version} (external, sha256 ${version.onnx_sha256.slice(0, 12)}…). Promote it with \`galfriday models promote ${name} ${version.version}\`.`,
      {
        registered: true,
        version: version.version,
        sha256: version.onnx_sha256,
      },
    );
  },
});

export const modelsListCommand = command({
  path: ['models', 'list'],
  summary: 'List models with their champion and challenger',
  usage: '',
  async run(ctx) {
    const { db } = await ctx.database();
    const models = await listModels(db);
    const rows = [];
    for (const m of models) {
      const aliases = await getAliases(db, m.name);
      const of = (alias: ModelAlias) => aliases.find((a) => a.alias === alias)?.version ?? null;
      rows.push({
        name: m.name,
        target: m.prediction_target,
        symbol: m.symbol,
        timeframe: m.timeframe,
        versions: m.next_version - 1,
        champion: of('champion'),
        challenger: of('challenger'),
        shadow: of('shadow'),
      });
    }
    const lines = rows.map(
      (r) =>
        `${r.name.padEnd(20)} ${r.target.padEnd(17)} ${`${r.symbol ?? '-'} ${r.timeframe ?? ''}`.padEnd(14)} v1…v${r.versions}  champion ${r.champion ? `v${r.champion}` : '-'}  challenger ${r.challenger ? `v${r.challenger}` : '-'}`,
    );
    ctx.print(
      rows.length ? lines.join('\n') : 'No models yet. Train one with `galfriday models train`.',
      rows,
    );
  },
});

export const modelsShowCommand = command({
  path: ['models', 'show'],
  summary: 'Show a model: versions, stages, aliases, metrics',
  usage: '<name> [--version N]',
  options: { version: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const { db } = await ctx.database();
    const model = await getModel(db, name);
    if (values.version !== undefined) {
      const version = await getVersion(db, name, intOption(values, 'version', { min: 1, max: 1e9 }));
      const shown = versionJson(version);
      ctx.print(JSON.stringify(shown, null, 2), shown);
      return;
    }
    const [versions, aliases] = await Promise.all([listVersions(db, name), getAliases(db, name)]);
    const aliasOf = (id: string) =>
      aliases
        .filter((a) => a.versionId === id)
        .map((a) => a.alias)
        .join(',');
    const lines = versions.map((v) => {
      const m =
        (v.metrics as { holdout?: { metrics?: Record<string, number | null> } }).holdout?.metrics ?? {};
      const key = ['auc', 'logLoss', 'accuracy', 'rmse']
        .filter((k) => m[k] !== undefined && m[k] !== null)
        .map((k) => `${k} ${fmt(m[k])}`)
        .join(' ');
      return `  v${String(v.version).padEnd(4)} ${v.stage.padEnd(11)} ${aliasOf(v.version_id).padEnd(18)} ${v.trainer.padEnd(20)} ${v.created_at.toISOString().slice(0, 19)}  ${key}`;
    });
    ctx.print(
      `${model.name}: ${model.prediction_target} on ${model.symbol ?? '-'} ${model.timeframe ?? ''}\n${lines.join('\n')}`,
      {
        model: {
          name: model.name,
          target: model.prediction_target,
          symbol: model.symbol,
          timeframe: model.timeframe,
          featureSchema: model.feature_schema,
        },
        // aliases: one entry per alias; versions: oldest first.
        aliases: aliases.map((a) => ({
          alias: a.alias,
          version: a.version,
          updatedAt: a.updatedAt,
          updatedBy: a.updatedBy,
        })),
        versions: versions.map(versionJson),
      },
    );
  },
});

export const modelsPromoteCommand = command({
  path: ['models', 'promote'],
  summary: 'Point an alias (champion by default) at a version',
  usage: '<name> <version> [--alias champion|challenger|shadow] [--reason TEXT]',
  options: { alias: { type: 'string' }, reason: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const version = Number(positional(positionals, 1, 'the version number', this.usage));
    if (!Number.isInteger(version) || version < 1)
      throw new CliError(`version must be a positive whole number, got "${positionals[1]}"`, ExitCode.USAGE);
    const alias = choiceOption(values, 'alias', ALIASES) ?? 'champion';
    const { db } = await ctx.database();
    const move = await moveAlias(db, {
      model: name,
      alias,
      version,
      changedBy: `cli:${process.env.USER ?? 'unknown'}`,
      reason: values.reason ?? 'promoted by operator',
    });
    ctx.print(
      move.changed ? `${name}: ${alias} → v${version}.` : `${name}: ${alias} already points at v${version}.`,
      { model: name, alias, version, changed: move.changed },
    );
  },
});

export const modelsRollbackCommand = command({
  path: ['models', 'rollback'],
  summary: 'Move champion back to the previous champion',
  usage: '<name> [--reason TEXT]',
  options: { reason: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const { db } = await ctx.database();
    const move = await rollbackChampion(
      db,
      name,
      `cli:${process.env.USER ?? 'unknown'}`,
      values.reason ?? 'rollback by operator',
    );
    ctx.print(`${name}: champion rolled back to v${move.version}.`, { model: name, version: move.version });
  },
});

export const modelsHistoryCommand = command({
  path: ['models', 'history'],
  summary: 'Alias history of a model, or which version held an alias at a given time',
  usage: '<name> [--alias champion] [--at DATE]',
  options: { alias: { type: 'string' }, at: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const alias = choiceOption(values, 'alias', ALIASES);
    const { db } = await ctx.database();
    const at = dateOption(values, 'at');
    if (at) {
      await getModel(db, name);
      const held = await aliasAt(db, name, alias ?? 'champion', at);
      ctx.print(
        held
          ? `${name}: ${alias ?? 'champion'} at ${at.toISOString()} was v${held.version}.`
          : `${name}: no ${alias ?? 'champion'} at ${at.toISOString()}.`,
        {
          model: name,
          alias: alias ?? 'champion',
          at: at.toISOString(),
          version: held?.version ?? null,
        },
      );
      return;
    }
    const history = await aliasHistory(db, name, alias);
    const lines = history.map(
      (h) =>
        `  ${h.validFrom.toISOString().slice(0, 19)} → ${h.validTo ? h.validTo.toISOString().slice(0, 19) : 'now'.padEnd(19)}  ${h.alias.padEnd(10)} ${h.version ? `v${h.version}` : '(removed)'}  by ${h.changedBy}${h.reason ? ` — ${h.reason}` : ''}`,
    );
    ctx.print(
      lines.length ? `${name}:\n${lines.join('\n')}` : `${name}: no alias has been set yet.`,
      history,
    );
  },
});

export const modelsExportCommand = command({
  path: ['models', 'export'],
  summary: "Write a version's ONNX artifact to a file (checked against its sha256)",
  usage: '<name> --version N --out model.onnx',
  options: { version: { type: 'string' }, out: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    const out = values.out;
    if (!out) throw new CliError('--out is required', ExitCode.USAGE);
    const { db } = await ctx.database();
    const version = await getVersion(db, name, intOption(values, 'version', { min: 1, max: 1e9 }));
    const bytes = await getArtifact(db, version.version_id);
    await writeFile(out, bytes);
    ctx.print(
      `Wrote ${name} v${version.version} (${bytes.length} bytes, sha256 ${version.onnx_sha256}) to ${out}.`,
      { file: out, bytes: bytes.length, sha256: version.onnx_sha256 },
    );
  },
});

export const modelsPolicyCommand = command({
  path: ['models', 'policy'],
  summary: "Set a model's gate policy and/or supervisor policy from JSON files (validated before storing)",
  usage: '<name> [--gate gate.json] [--supervisor supervisor.json]',
  options: POLICY_OPTIONS,
  details: 'A running supervisor keeps its policy until restarted or updated with its setPolicy update.',
  async run(ctx, { positionals, values }) {
    const name = positional(positionals, 0, 'the model name', this.usage);
    if (!values.gate && !values.supervisor)
      throw new CliError('give --gate and/or --supervisor', ExitCode.USAGE);
    const policies = await readPolicyFiles(values);
    const { db } = await ctx.database();
    await setModelPolicies(db, name, policies);
    ctx.print(
      `${name}: ${Object.keys(policies)
        .map((k) => (k === 'gatePolicy' ? 'gate' : 'supervisor'))
        .join(' and ')} policy stored.`,
      { model: name, ...policies },
    );
  },
});
