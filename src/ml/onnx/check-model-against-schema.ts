import type { FeatureSchema } from '../features/feature-schema';
import { ARTIFACT_METADATA_KEYS } from './artifact-metadata';
import type { OnnxModelInfo, OnnxValueInfo } from './inspect-onnx-model';

/** How the service reads predictions from a model: which output, and which column of it. */
export interface ServingOutput {
  name: string;
  column: number;
}

function shapeText(v: OnnxValueInfo): string {
  if (v.kind !== 'tensor') return v.kind;
  const dims = v.shape === null ? '?' : v.shape.map((d) => (d === null ? '?' : String(d))).join(', ');
  return `${v.elementType} [${dims}]`;
}

function isFloatColumn(v: OnnxValueInfo, columns: number): boolean {
  return (
    v.kind === 'tensor' &&
    v.elementType === 'float32' &&
    v.shape !== null &&
    v.shape.length === 2 &&
    (v.shape[1] === columns || typeof v.shape[1] === 'string' || v.shape[1] === null)
  );
}

/**
 * The output the service reads for a task. Classification: `probability` float32 [N, 1], else
 * `probabilities` float32 [N, 2] (column 1 = P(up)). Regression: `prediction` or `variable`
 * float32 [N, 1]. Undefined when the model has none of them.
 *
 * ### Examples
 * ```ts
 * import { inspectOnnxModel } from './inspect-onnx-model';
 * declare const gbdtClassifierBytes: Uint8Array;
 * servingOutput(inspectOnnxModel(gbdtClassifierBytes), 'classification'); // { name: 'probability', column: 0 }
 * ```
 */
export function servingOutput(
  info: OnnxModelInfo,
  task: 'classification' | 'regression',
): ServingOutput | undefined {
  const byName = (name: string): OnnxValueInfo | undefined => info.outputs.find((o) => o.name === name);
  if (task === 'classification') {
    const p = byName('probability');
    if (p !== undefined && isFloatColumn(p, 1)) return { name: 'probability', column: 0 };
    const ps = byName('probabilities');
    if (ps !== undefined && isFloatColumn(ps, 2)) return { name: 'probabilities', column: 1 };
    return undefined;
  }
  for (const name of ['prediction', 'variable']) {
    const o = byName(name);
    if (o !== undefined && isFloatColumn(o, 1)) return { name, column: 0 };
  }
  return undefined;
}

/**
 * Operator domains a registered model may use: the standard operators and the ONNX-ML ones
 * (tree ensembles, linear classifiers). Anything else (a vendor's contrib ops, a custom domain)
 * needs kernels the serving runtime may not have, so it is refused at registration rather than
 * discovered as a broken version in production.
 *
 * ### Examples
 * ```ts
 * SERVED_OPERATOR_DOMAINS.has('ai.onnx.ml'); // true
 * ```
 */
export const SERVED_OPERATOR_DOMAINS: ReadonlySet<string> = new Set(['ai.onnx', 'ai.onnx.ml']);

/**
 * What makes an artifact not servable from its bytes alone, as sentences (empty: self-contained):
 * tensors kept in external data files (the registry stores one file, and a router loading from
 * memory has no directory to read them from) and operators of a domain other than
 * {@link SERVED_OPERATOR_DOMAINS}.
 *
 * ### Examples
 * ```ts
 * import { inspectOnnxModel } from './inspect-onnx-model';
 * declare const bytes: Uint8Array;
 * checkSelfContained(inspectOnnxModel(bytes));
 * // ['model keeps tensor(s) W in external data files: …']
 * ```
 */
export function checkSelfContained(info: OnnxModelInfo): string[] {
  const problems: string[] = [];
  if (info.externalDataTensors.length > 0) {
    problems.push(
      `model keeps tensor(s) ${info.externalDataTensors.map((n) => `"${n}"`).join(', ')} in external data files, ` +
        'which the registry does not store; export it with the data inside the .onnx file ' +
        '(onnx.save_model(model, path, save_as_external_data=False))',
    );
  }
  const unknown = info.operators.filter(
    (op) => !SERVED_OPERATOR_DOMAINS.has(op.slice(0, op.lastIndexOf(':'))),
  );
  if (unknown.length > 0) {
    const domains = [...new Set(unknown.map((op) => op.slice(0, op.lastIndexOf(':'))))];
    problems.push(
      `model uses operators of unknown domain(s) ${domains.map((d) => `"${d}"`).join(', ')} (${unknown.join(', ')}); ` +
        `only ${[...SERVED_OPERATOR_DOMAINS].join(' and ')} operators are served`,
    );
  }
  return problems;
}

/**
 * Compares an inspected model with the feature schema it will be served with and returns every
 * difference as a sentence (an empty list means compatible): {@link checkSelfContained}, input count, element type, rank,
 * column count, fixed batch size, schema version and feature names recorded in the model's
 * metadata, and a readable prediction output for the task.
 *
 * ### Examples
 * ```ts
 * import { FEATURE_SCHEMA } from '../features/feature-schema';
 * import { inspectOnnxModel } from './inspect-onnx-model';
 * declare const bytes: Uint8Array;
 * declare const other: Uint8Array;
 * checkModelAgainstSchema(inspectOnnxModel(bytes), FEATURE_SCHEMA); // []
 * checkModelAgainstSchema(inspectOnnxModel(other), FEATURE_SCHEMA);
 * // ['input "features" has 18 columns, feature schema has 17']
 * ```
 */
export function checkModelAgainstSchema(
  info: OnnxModelInfo,
  schema: FeatureSchema,
  options: { task?: 'classification' | 'regression' } = {},
): string[] {
  const task = options.task ?? 'classification';
  const width = schema.names.length;
  const diffs: string[] = [...checkSelfContained(info)];
  if (info.inputs.length !== 1) {
    const names = info.inputs.map((i) => `"${i.name}"`).join(', ') || 'none';
    diffs.push(
      `model has ${info.inputs.length} inputs (${names}); expected exactly one float32 [N, ${width}] input`,
    );
  }
  const input = info.inputs[0];
  if (input !== undefined) {
    const label = `input "${input.name}"`;
    if (input.kind !== 'tensor') diffs.push(`${label} is a ${input.kind}, expected a float32 tensor`);
    else {
      if (input.elementType !== 'float32')
        diffs.push(`${label} has element type ${input.elementType}, expected float32`);
      if (input.shape === null) diffs.push(`${label} has no declared shape; cannot confirm ${width} columns`);
      else if (input.shape.length !== 2)
        diffs.push(`${label} has rank ${input.shape.length}, expected 2 ([N, ${width}])`);
      else {
        const [batch, cols] = input.shape;
        if (typeof cols === 'number' && cols !== width)
          diffs.push(`${label} has ${cols} columns, feature schema has ${width}`);
        if (typeof cols !== 'number') {
          diffs.push(`${label} has a dynamic column count (${cols ?? '?'}); cannot confirm ${width} columns`);
        }
        if (typeof batch === 'number' && batch !== 1) {
          diffs.push(
            `${label} has a fixed batch size of ${batch}; single-row scoring needs a dynamic or 1 first dimension`,
          );
        }
      }
    }
  }
  const version = info.metadata[ARTIFACT_METADATA_KEYS.featureSchemaVersion];
  if (version !== undefined && version !== 'unversioned' && version !== schema.version) {
    diffs.push(`model was trained on feature schema ${version}, serving schema is ${schema.version}`);
  }
  const namesJson = info.metadata[ARTIFACT_METADATA_KEYS.featureNames];
  if (namesJson !== undefined) {
    let names: unknown;
    try {
      names = JSON.parse(namesJson);
    } catch {
      names = undefined;
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      diffs.push(`metadata ${ARTIFACT_METADATA_KEYS.featureNames} is not a JSON array of strings`);
    } else {
      const known = new Set(schema.names);
      const modelSet = new Set(names as string[]);
      const missing = schema.names.filter((n) => !modelSet.has(n));
      const extra = (names as string[]).filter((n) => !known.has(n));
      if (missing.length > 0) diffs.push(`model lacks schema feature(s) ${missing.join(', ')}`);
      if (extra.length > 0) diffs.push(`model expects feature(s) not in the schema: ${extra.join(', ')}`);
      if (missing.length === 0 && extra.length === 0) {
        const at = schema.names.findIndex((n, i) => names[i] !== n);
        if (at >= 0)
          diffs.push(
            `feature order differs at column ${at}: model has "${names[at]}", schema has "${schema.names[at]}"`,
          );
      }
    }
  }
  if (servingOutput(info, task) === undefined) {
    const expected =
      task === 'classification'
        ? '"probability" (float32 [N, 1]) or "probabilities" (float32 [N, 2])'
        : '"prediction" or "variable" (float32 [N, 1])';
    const got = info.outputs.map((o) => `${o.name} (${shapeText(o)})`).join(', ');
    diffs.push(`no ${task} output ${expected}; outputs are ${got}`);
  }
  return diffs;
}
