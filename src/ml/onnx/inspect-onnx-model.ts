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
  /** Distinct operators used, as `domain:OpType` (default domain written as `ai.onnx`). */
  operators: string[];
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

/**
 * Decodes ONNX bytes (no runtime involved) and lists inputs, outputs with element types and
 * shapes, opsets, operators and metadata. Throws OnnxModelError when the bytes are not a ModelProto
 * with a graph.
 *
 * ### Examples
 * ```ts
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
  for (const node of graph.node ?? []) operators.add(`${node.domain || 'ai.onnx'}:${node.opType}`);
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
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
}
