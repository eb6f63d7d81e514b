import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { loadModelSession } from '../../../src/routing/service/inference/onnx-model-session';
import { runCli } from '../../support/run-cli';
import {
  checkModelAgainstSchema,
  checkSelfContained,
  encodeOnnxModel,
  FEATURE_SCHEMA,
  floatTensor,
  inspectOnnxModel,
  marketData,
  onnxNode,
  OnnxModelError,
  tensorValueInfo,
  trainModel,
} from './ml-test-kit';

const F = FEATURE_SCHEMA.names.length;

/** A logistic-style graph built with the project's own ONNX builder. */
const logisticBytes = (): Uint8Array =>
  encodeOnnxModel({
    graphName: 'crafted',
    usesMlDomain: false,
    inputs: [tensorValueInfo('features', 'float32', ['N', F])],
    outputs: [tensorValueInfo('probability', 'float32', ['N', 1])],
    initializers: [floatTensor('W', [F, 1], new Array(F).fill(0.1)), floatTensor('B', [1], [0])],
    nodes: [
      onnxNode('MatMul', ['features', 'W'], ['z0']),
      onnxNode('Add', ['z0', 'B'], ['z']),
      onnxNode('Sigmoid', ['z'], ['probability']),
    ],
  });

/** Decodes, changes and re-encodes a model, as a hostile or careless exporter would. */
function mutate(
  bytes: Uint8Array,
  change: (model: onnx.ModelProto, graph: onnx.GraphProto) => void,
): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  change(model, model.graph as onnx.GraphProto);
  return onnx.ModelProto.encode(model).finish();
}

/** Moves a tensor's data to an external file, as `onnx.save(..., save_as_external_data=True)` does. */
function externalise(tensor: onnx.ITensorProto): void {
  tensor.floatData = [];
  tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  tensor.externalData = [
    { key: 'location', value: 'weights.bin' },
    { key: 'offset', value: '0' },
  ];
}

describe('ml/onnx: only self-contained artifacts of known operator domains are accepted', () => {
  it('accepts our own artifacts, including ONNX-ML tree ensembles', () => {
    assert.deepEqual(checkSelfContained(inspectOnnxModel(logisticBytes())), []);
    const { train } = marketData('prob_up', 7, 1500);
    const gbdt = trainModel({
      kind: 'gbdt-classifier',
      x: train.x,
      y: train.y,
      featureSchema: FEATURE_SCHEMA,
    });
    const info = inspectOnnxModel(gbdt.onnx);
    assert.ok(info.operators.some((op) => op.startsWith('ai.onnx.ml:')));
    assert.deepEqual(checkSelfContained(info), []);
    assert.deepEqual(info.externalDataTensors, []);
  });

  it('refuses an initializer kept in an external data file, naming it', () => {
    const bytes = mutate(logisticBytes(), (_, g) => externalise(g.initializer.find((t) => t.name === 'W')!));
    const info = inspectOnnxModel(bytes);
    assert.deepEqual(info.externalDataTensors, ['W']);
    const problems = checkModelAgainstSchema(info, FEATURE_SCHEMA);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0]!,
      /^model keeps tensor\(s\) "W" in external data files, which the registry does not store/,
    );
    // Only an external_data entry, without data_location, is external too.
    const entriesOnly = mutate(logisticBytes(), (_, g) => {
      g.initializer[1]!.externalData = [{ key: 'location', value: 'b.bin' }];
    });
    assert.deepEqual(inspectOnnxModel(entriesOnly).externalDataTensors, ['B']);
  });

  it('finds external tensors in constant attributes inside subgraphs and in local functions', () => {
    const hidden = mutate(logisticBytes(), (m, g) => {
      const constant = onnx.NodeProto.create({
        opType: 'Constant',
        output: ['c'],
        attribute: [
          {
            name: 'value',
            type: onnx.AttributeProto.AttributeType.TENSOR,
            t: { name: 'hidden', dims: [1], dataType: 1 },
          },
        ],
      });
      externalise(constant.attribute[0]!.t!);
      const branch = onnx.GraphProto.create({ name: 'then', node: [constant], output: [{ name: 'c' }] });
      g.node.push(
        onnx.NodeProto.create({
          opType: 'If',
          input: ['cond'],
          output: ['unused'],
          attribute: [
            { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch },
          ],
        }),
      );
      m.functions = [
        onnx.FunctionProto.create({
          name: 'Helper',
          domain: 'local.fn',
          node: [{ opType: 'Relu', domain: 'vendor.x' }],
        }),
      ];
    });
    const info = inspectOnnxModel(hidden);
    assert.deepEqual(info.externalDataTensors, ['hidden']);
    assert.ok(info.operators.includes('vendor.x:Relu'), 'operators of local functions are listed');
    const problems = checkSelfContained(info);
    assert.equal(problems.length, 2);
    assert.match(problems[1]!, /unknown domain\(s\) "vendor\.x" \(vendor\.x:Relu\)/);
  });

  it('refuses operators of unknown domains, custom or vendor contrib, with the operators named', () => {
    for (const domain of ['com.example.custom', 'com.microsoft']) {
      const bytes = mutate(logisticBytes(), (m, g) => {
        g.node[2]!.domain = domain;
        g.node[2]!.opType = 'FastSigmoid';
        m.opsetImport.push({ domain, version: 1 });
      });
      const problems = checkModelAgainstSchema(inspectOnnxModel(bytes), FEATURE_SCHEMA);
      assert.deepEqual(problems, [
        `model uses operators of unknown domain(s) "${domain}" (${domain}:FastSigmoid); only ai.onnx and ai.onnx.ml operators are served`,
      ]);
    }
  });

  it('is refused by `galfriday models register` (nothing stored) and by the router loading it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onnx-refusal-'));
    try {
      const bytes = mutate(logisticBytes(), (_, g) => externalise(g.initializer[0]!));
      const file = path.join(dir, 'external.onnx');
      const schema = path.join(dir, 'schema.json');
      await writeFile(file, bytes);
      await writeFile(schema, JSON.stringify(FEATURE_SCHEMA));
      const run = await runCli(['models', 'register', 'crafted', '--onnx', file, '--features', schema], {
        GALFRIDAY_DATA_DIR: path.join(dir, 'data'),
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      });
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.match(run.stdout, /Refused .*external\.onnx[\s\S]*"W" in external data files/);
      await assert.rejects(
        loadModelSession(bytes, FEATURE_SCHEMA, 'classification'),
        (e: unknown) => e instanceof OnnxModelError && /external data files/.test(e.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
