import { onnx } from 'onnx-proto';

/**
 * The opsets every artifact built here declares: default domain opset 13 (MatMul, Add, Sigmoid,
 * Slice as used here are unchanged from 13 through 21) and `ai.onnx.ml` opset 3
 * (TreeEnsembleClassifier/Regressor with float attributes). IR version 7 (ONNX 1.7) keeps the
 * artifacts loadable by every onnxruntime release since 1.5.
 */
export const ONNX_OPSETS = { irVersion: 7, defaultDomain: 13, mlDomain: 3 } as const;

/** A dimension: a fixed size, or a symbolic name such as `'N'` for the batch axis. */
export type OnnxDim = number | string;

/**
 * A float32 initializer tensor with the given shape; values are rounded to float32 by the encoder.
 */
export function floatTensor(
  name: string,
  dims: readonly number[],
  values: ArrayLike<number>,
): onnx.ITensorProto {
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

/**
 * An int64 initializer tensor with the given shape.
 */
export function int64Tensor(
  name: string,
  dims: readonly number[],
  values: readonly number[],
): onnx.ITensorProto {
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] };
}

/** An attribute value as accepted by {@link onnxNode}; arrays must be non-empty to infer their type. */
export type OnnxAttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'strings'; value: readonly string[] };

function attribute(name: string, a: OnnxAttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  switch (a.kind) {
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'string':
      return { name, type: T.STRING, s: utf8(a.value) };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'strings':
      return { name, type: T.STRINGS, strings: a.value.map(utf8) };
  }
}

/**
 * One graph node; attributes are written in the order given, so output bytes are reproducible.
 *
 * ### Examples
 * ```ts
 * onnxNode('Sigmoid', ['logit'], ['probability']);
 * onnxNode('TreeEnsembleRegressor', ['features'], ['variable'], { n_targets: { kind: 'int', value: 1 } }, 'ai.onnx.ml');
 * ```
 */
export function onnxNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, OnnxAttributeValue>> = {},
  domain = '',
): onnx.INodeProto {
  return {
    opType,
    input: [...inputs],
    output: [...outputs],
    name: `${opType}_${outputs[0] ?? ''}`,
    domain,
    attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
  };
}

/**
 * Element types used by the models in this project, as ONNX `TensorProto.DataType` numbers.
 */
export const ONNX_ELEMENT_TYPE = { float32: 1, int64: 7 } as const;

/**
 * A typed graph input or output with a (possibly symbolic) shape.
 */
export function tensorValueInfo(
  name: string,
  elementType: keyof typeof ONNX_ELEMENT_TYPE,
  dims: readonly OnnxDim[],
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_ELEMENT_TYPE[elementType],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Everything {@link encodeOnnxModel} needs; `metadata` lands in `ModelProto.metadata_props`. */
export interface OnnxModelSpec {
  graphName: string;
  nodes: readonly onnx.INodeProto[];
  inputs: readonly onnx.IValueInfoProto[];
  outputs: readonly onnx.IValueInfoProto[];
  initializers?: readonly onnx.ITensorProto[];
  /** Whether the graph uses the `ai.onnx.ml` domain (tree ensembles). */
  usesMlDomain: boolean;
  metadata?: Readonly<Record<string, string>>;
  docString?: string;
}

/**
 * Encodes a model as ONNX bytes, deterministic for a given spec: no timestamps or random ids, so
 * the same trained parameters always give byte-identical artifacts (the resume tests rely on it).
 *
 * ### Examples
 * ```ts
 * declare const inputs: readonly onnx.IValueInfoProto[];
 * declare const nodes: readonly onnx.INodeProto[];
 * declare const outputs: readonly onnx.IValueInfoProto[];
 * const bytes = encodeOnnxModel({ graphName: 'g', nodes, inputs, outputs, usesMlDomain: false });
 * bytes instanceof Uint8Array; // true
 * ```
 */
export function encodeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: ONNX_OPSETS.defaultDomain }];
  if (spec.usesMlDomain) opsetImport.push({ domain: 'ai.onnx.ml', version: ONNX_OPSETS.mlDomain });
  const model: onnx.IModelProto = {
    irVersion: ONNX_OPSETS.irVersion,
    opsetImport,
    producerName: 'gal-friday-intelligence',
    producerVersion: '1',
    modelVersion: 1,
    docString: spec.docString ?? '',
    graph: {
      name: spec.graphName,
      node: [...spec.nodes],
      input: [...spec.inputs],
      output: [...spec.outputs],
      initializer: [...(spec.initializers ?? [])],
    },
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
