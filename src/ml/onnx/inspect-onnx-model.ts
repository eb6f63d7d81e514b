import { onnx } from 'onnx-proto';
import { OnnxModelError } from '../errors';

/** Element type names for ONNX `TensorProto.DataType` values. */
const ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

/**
 * A graph input or output. `shape` is null when the rank is unknown; each dimension is a number
 * (fixed), a string (symbolic, e.g. 'N') or null (unnamed dynamic).
 */
export interface OnnxValueInfo {
  name: string;
  kind: 'tensor' | 'sequence' | 'map' | 'other';
  /** Element type for tensors (e.g. 'float32'), undefined otherwise. */
  elementType?: string;
  shape: Array<number | string | null> | null;
}

/** What {@link inspectOnnxModel} reads from a model. */
export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  opsets: Array<{ domain: string; version: number }>;
  /** Graph inputs that are not initializers (the values a caller must feed). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /**
   * Distinct operators used, as `domain:OpType` (default domain written as `ai.onnx`), in the main
   * graph, its subgraphs (If, Loop, Scan bodies) and model-local functions.
   */
  operators: string[];
  /**
   * Tensors whose data is stored outside the ONNX file (`data_location: EXTERNAL` or
   * `external_data` entries), by name, wherever they are: initializers, sparse initializers,
   * constant attributes, subgraphs, functions.
   */
  externalDataTensors: string[];
  metadata: Record<string, string>;
}

function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function describeValue(v: onnx.IValueInfoProto): OnnxValueInfo {
  const name = v.name ?? '';
  const t = v.type;
  if (t?.tensorType) {
    const elem = t.tensorType.elemType ?? 0;
    const dims = t.tensorType.shape?.dim;
    return {
      name,
      kind: 'tensor',
      elementType: ELEMENT_TYPES[elem] ?? `unknown(${elem})`,
      shape:
        t.tensorType.shape === null || t.tensorType.shape === undefined
          ? null
          : (dims ?? []).map((d) =>
              d.dimParam
                ? d.dimParam
                : d.dimValue !== null && d.dimValue !== undefined
                  ? toNumber(d.dimValue)
                  : null,
            ),
    };
  }
  if (t?.sequenceType) return { name, kind: 'sequence', shape: null };
  if (t?.mapType) return { name, kind: 'map', shape: null };
  return { name, kind: 'other', shape: null };
}

const isExternal = (t: onnx.ITensorProto | null | undefined): boolean =>
  t !== null &&
  t !== undefined &&
  (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData ?? []).length > 0);

/** Walks nodes (with their subgraphs) collecting operators and external tensors. */
function walkNodes(
  nodes: readonly onnx.INodeProto[],
  operators: Set<string>,
  external: Set<string>,
  depth: number,
): void {
  // A crafted file could nest graphs without end; real models nest a few levels.
  if (depth > 64) throw new OnnxModelError('the model nests subgraphs more than 64 levels deep');
  for (const node of nodes) {
    operators.add(`${node.domain || 'ai.onnx'}:${node.opType}`);
    for (const a of node.attribute ?? []) {
      const tensors = [a.t, ...(a.tensors ?? [])];
      const sparse = [a.sparseTensor, ...(a.sparseTensors ?? [])];
      for (const t of tensors) if (isExternal(t)) external.add(t!.name || `${node.opType}.${a.name ?? ''}`);
      for (const st of sparse)
        if (isExternal(st?.values) || isExternal(st?.indices))
          external.add(st?.values?.name || `${node.opType}.${a.name ?? ''}`);
      for (const g of [a.g, ...(a.graphs ?? [])]) if (g) walkGraph(g, operators, external, depth + 1);
    }
  }
}

function walkGraph(
  graph: onnx.IGraphProto,
  operators: Set<string>,
  external: Set<string>,
  depth: number,
): void {
  for (const t of graph.initializer ?? []) if (isExternal(t)) external.add(t.name ?? '');
  for (const st of graph.sparseInitializer ?? [])
    if (isExternal(st.values) || isExternal(st.indices)) external.add(st.values?.name ?? '');
  walkNodes(graph.node ?? [], operators, external, depth);
}

/**
 * Decodes ONNX bytes (no runtime involved) and lists inputs, outputs with element types and
 * shapes, opsets, operators and metadata. Throws OnnxModelError when the bytes are not a ModelProto
 * with a graph.
 *
 * ### Examples
 * ```ts
 * import { exportLogisticRegressionOnnx } from '../logistic/logistic-regression-onnx';
 * declare const model: import('../logistic/logistic-regression-model').LogisticRegressionModel;
 * inspectOnnxModel(exportLogisticRegressionOnnx(model)).inputs;
 * // [{ name: 'features', kind: 'tensor', elementType: 'float32', shape: ['N', 17] }]
 * ```
 */
export function inspectOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxModelError(`not a decodable ONNX ModelProto: ${(e as Error).message}`);
  }
  const graph = model.graph;
  if (graph === null || graph === undefined || (graph.node ?? []).length === 0) {
    throw new OnnxModelError('the ModelProto has no graph or an empty graph');
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const operators = new Set<string>();
  const external = new Set<string>();
  walkGraph(graph, operators, external, 0);
  for (const fn of model.functions ?? []) walkNodes(fn.node ?? [], operators, external, 1);
  return {
    irVersion: toNumber(model.irVersion),
    producerName: model.producerName ?? '',
    opsets: (model.opsetImport ?? []).map((o) => ({
      domain: o.domain || 'ai.onnx',
      version: toNumber(o.version),
    })),
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(describeValue),
    outputs: (graph.output ?? []).map(describeValue),
    operators: [...operators].sort(),
    externalDataTensors: [...external].sort(),
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
}
