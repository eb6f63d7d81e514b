import assert from 'node:assert/strict';
import {
  artifactMetadata,
  checkModelAgainstSchema,
  encodeOnnxModel,
  FEATURE_SCHEMA,
  floatTensor,
  inspectOnnxModel,
  marketData,
  onnxNode,
  OnnxModelError,
  servingOutput,
  tensorValueInfo,
  trainModel,
} from './ml-test-kit';

const F = FEATURE_SCHEMA.names.length;

/** A hand-built logistic-style graph with a chosen input width, type and output name. */
function handBuilt(options: {
  cols: number;
  elementType?: 'float32' | 'int64';
  output?: string;
  metadata?: Record<string, string>;
}): Uint8Array {
  const output = options.output ?? 'probability';
  return encodeOnnxModel({
    graphName: 'hand_built',
    usesMlDomain: false,
    inputs: [tensorValueInfo('features', options.elementType ?? 'float32', ['N', options.cols])],
    outputs: [tensorValueInfo(output, 'float32', ['N', 1])],
    initializers: [
      floatTensor('W', [options.cols, 1], new Array(options.cols).fill(0.1)),
      floatTensor('B', [1], [0]),
    ],
    nodes: [
      onnxNode('MatMul', ['features', 'W'], ['z0']),
      onnxNode('Add', ['z0', 'B'], ['z']),
      onnxNode('Sigmoid', ['z'], [output]),
    ],
    metadata: options.metadata,
  });
}

describe('ml/inspect-onnx-model', () => {
  const { train } = marketData('prob_up');
  const reg = marketData('price_change_pct');

  it('reads inputs, outputs, opsets, operators and metadata of our own artifacts', () => {
    const logistic = trainModel({
      kind: 'logistic-regression',
      x: train.x,
      y: train.y,
      featureSchema: FEATURE_SCHEMA,
    });
    const info = inspectOnnxModel(logistic.onnx);
    assert.deepEqual(info.inputs, [
      { name: 'features', kind: 'tensor', elementType: 'float32', shape: ['N', F] },
    ]);
    assert.deepEqual(info.outputs, [
      { name: 'probability', kind: 'tensor', elementType: 'float32', shape: ['N', 1] },
    ]);
    assert.deepEqual(info.opsets, [{ domain: 'ai.onnx', version: 13 }]);
    assert.equal(info.irVersion, 7);
    assert.deepEqual(info.operators, ['ai.onnx:Add', 'ai.onnx:MatMul', 'ai.onnx:Sigmoid']);
    assert.equal(info.metadata['gf.feature_schema_version'], FEATURE_SCHEMA.version);
    assert.deepEqual(checkModelAgainstSchema(info, FEATURE_SCHEMA), []);

    const gbdt = trainModel({
      kind: 'gbdt-classifier',
      x: train.x,
      y: train.y,
      featureSchema: FEATURE_SCHEMA,
      options: { nTrees: 5 },
    });
    const gInfo = inspectOnnxModel(gbdt.onnx);
    assert.deepEqual(gInfo.opsets, [
      { domain: 'ai.onnx', version: 13 },
      { domain: 'ai.onnx.ml', version: 3 },
    ]);
    assert.deepEqual(
      gInfo.outputs.map((o) => [o.name, o.elementType, o.shape]),
      [
        ['label', 'int64', ['N']],
        ['probabilities', 'float32', ['N', 2]],
        ['probability', 'float32', ['N', 1]],
      ],
    );
    assert.deepEqual(checkModelAgainstSchema(gInfo, FEATURE_SCHEMA), []);
    assert.deepEqual(servingOutput(gInfo, 'classification'), { name: 'probability', column: 0 });

    const regressor = trainModel({
      kind: 'gbdt-regressor',
      x: reg.train.x,
      y: reg.train.y,
      featureSchema: FEATURE_SCHEMA,
      options: { nTrees: 5 },
    });
    assert.deepEqual(
      checkModelAgainstSchema(inspectOnnxModel(regressor.onnx), FEATURE_SCHEMA, { task: 'regression' }),
      [],
    );
    // A regressor served as a classifier has no probability output.
    assert.deepEqual(checkModelAgainstSchema(inspectOnnxModel(regressor.onnx), FEATURE_SCHEMA), [
      'no classification output "probability" (float32 [N, 1]) or "probabilities" (float32 [N, 2]); outputs are prediction (float32 [N, 1])',
    ]);
  });

  it('accepts a hand-built external model of the right width without metadata', () => {
    assert.deepEqual(checkModelAgainstSchema(inspectOnnxModel(handBuilt({ cols: F })), FEATURE_SCHEMA), []);
  });

  it('refuses a model with the wrong width, element type, output and schema version', () => {
    assert.deepEqual(checkModelAgainstSchema(inspectOnnxModel(handBuilt({ cols: F + 1 })), FEATURE_SCHEMA), [
      `input "features" has ${F + 1} columns, feature schema has ${F}`,
    ]);
    const names = [...FEATURE_SCHEMA.names];
    [names[0], names[1]] = [names[1]!, names[0]!];
    const bad = handBuilt({
      cols: F,
      elementType: 'int64',
      output: 'output_probability',
      metadata: artifactMetadata({
        kind: 'logistic-regression',
        featureNames: names,
        featureSchemaVersion: 'gf-features-v0',
        target: 'prob_up',
      }),
    });
    assert.deepEqual(checkModelAgainstSchema(inspectOnnxModel(bad), FEATURE_SCHEMA), [
      'input "features" has element type int64, expected float32',
      `model was trained on feature schema gf-features-v0, serving schema is ${FEATURE_SCHEMA.version}`,
      'feature order differs at column 0: model has "ret_2", schema has "ret_1"',
      'no classification output "probability" (float32 [N, 1]) or "probabilities" (float32 [N, 2]); outputs are output_probability (float32 [N, 1])',
    ]);
    const renamed = handBuilt({
      cols: F,
      metadata: artifactMetadata({
        kind: 'logistic-regression',
        featureNames: [...FEATURE_SCHEMA.names.slice(0, -1), 'rsi_7'],
        target: 'prob_up',
      }),
    });
    assert.deepEqual(checkModelAgainstSchema(inspectOnnxModel(renamed), FEATURE_SCHEMA), [
      'model lacks schema feature(s) volume_ratio_5_20',
      'model expects feature(s) not in the schema: rsi_7',
    ]);
  });

  it('throws OnnxModelError for bytes that are not a model', () => {
    assert.throws(() => inspectOnnxModel(new Uint8Array([0xff, 0xff, 0xff, 0xff])), OnnxModelError);
    assert.throws(() => inspectOnnxModel(new Uint8Array()), {
      name: 'OnnxModelError',
      message: 'the ModelProto has no graph or an empty graph',
    });
  });
});
