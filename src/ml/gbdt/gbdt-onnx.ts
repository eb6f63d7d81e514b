import { artifactMetadata } from '../onnx/artifact-metadata';
import {
  encodeOnnxModel,
  int64Tensor,
  onnxNode,
  tensorValueInfo,
  type OnnxAttributeValue,
} from '../onnx/onnx-builder';
import type { GbdtModel } from './gbdt-model';

function treeAttributes(
  model: GbdtModel,
  leafPrefix: 'class' | 'target',
): Record<string, OnnxAttributeValue> {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const leafTree: number[] = [];
  const leafNode: number[] = [];
  const leafWeight: number[] = [];
  model.trees.forEach((tree, t) => {
    for (let k = 0; k < tree.feature.length; k++) {
      const leaf = tree.feature[k]! < 0;
      treeIds.push(t);
      nodeIds.push(k);
      featureIds.push(leaf ? 0 : tree.feature[k]!);
      values.push(leaf ? 0 : tree.threshold[k]!);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      trueIds.push(leaf ? 0 : tree.left[k]!);
      falseIds.push(leaf ? 0 : tree.right[k]!);
      if (leaf) {
        leafTree.push(t);
        leafNode.push(k);
        leafWeight.push(tree.value[k]!);
      }
    }
  });
  if (model.trees.length === 0) {
    // An ensemble must have a node; a single zero leaf leaves the score at the base value.
    treeIds.push(0);
    nodeIds.push(0);
    featureIds.push(0);
    values.push(0);
    modes.push('LEAF');
    trueIds.push(0);
    falseIds.push(0);
    leafTree.push(0);
    leafNode.push(0);
    leafWeight.push(0);
  }
  return {
    nodes_treeids: { kind: 'ints', value: treeIds },
    nodes_nodeids: { kind: 'ints', value: nodeIds },
    nodes_featureids: { kind: 'ints', value: featureIds },
    nodes_values: { kind: 'floats', value: values },
    nodes_modes: { kind: 'strings', value: modes },
    nodes_truenodeids: { kind: 'ints', value: trueIds },
    nodes_falsenodeids: { kind: 'ints', value: falseIds },
    [`${leafPrefix}_treeids`]: { kind: 'ints', value: leafTree },
    [`${leafPrefix}_nodeids`]: { kind: 'ints', value: leafNode },
    [`${leafPrefix}_ids`]: { kind: 'ints', value: leafTree.map(() => 0) },
    [`${leafPrefix}_weights`]: { kind: 'floats', value: leafWeight },
    base_values: { kind: 'floats', value: [model.baseScore] },
  };
}

/**
 * Exports a tree ensemble as ONNX (IR 7; `ai.onnx.ml` opset 3, default-domain opset 13). Both take
 * input `features` float32 [N, F] and split with BRANCH_LEQ on float32 thresholds.
 *
 * - `gbdt-classifier`: TreeEnsembleClassifier (binary, one score column, base_values = prior
 *   log-odds, post_transform LOGISTIC) with outputs `label` int64 [N] (0/1) and `probabilities`
 *   float32 [N, 2] = [P(down), P(up)], then a Slice giving `probability` float32 [N, 1] = P(up),
 *   the same output a logistic-regression artifact has. Serve from `probability`: `label`
 *   follows onnxruntime's binary rule (raw score > 0 when leaf weights have mixed signs, which
 *   boosting from the prior log-odds practically always gives), not a 0.5 probability cut.
 * - `gbdt-regressor`: TreeEnsembleRegressor (SUM, base_values = mean target) with output
 *   `prediction` float32 [N, 1] = predicted fractional price change.
 *
 * ### Examples
 * ```ts
 * import * as ort from 'onnxruntime-node';
 * import { FEATURE_SCHEMA } from '../features/feature-schema';
 * declare const model: GbdtModel;
 * const bytes = exportGbdtOnnx(model, { featureSchemaVersion: FEATURE_SCHEMA.version });
 * (await ort.InferenceSession.create(bytes)).outputNames; // ['label', 'probabilities', 'probability']
 * ```
 */
export function exportGbdtOnnx(
  model: GbdtModel,
  options: { featureSchemaVersion?: string } = {},
): Uint8Array {
  const f = model.featureNames.length;
  const metadata = artifactMetadata({
    kind: model.kind,
    featureNames: model.featureNames,
    featureSchemaVersion: options.featureSchemaVersion,
    target: model.kind === 'gbdt-classifier' ? 'prob_up' : 'price_change_pct',
  });
  if (model.kind === 'gbdt-regressor') {
    return encodeOnnxModel({
      graphName: 'gbdt_regressor',
      usesMlDomain: true,
      inputs: [tensorValueInfo('features', 'float32', ['N', f])],
      outputs: [tensorValueInfo('prediction', 'float32', ['N', 1])],
      nodes: [
        onnxNode(
          'TreeEnsembleRegressor',
          ['features'],
          ['prediction'],
          {
            ...treeAttributes(model, 'target'),
            n_targets: { kind: 'int', value: 1 },
            aggregate_function: { kind: 'string', value: 'SUM' },
            post_transform: { kind: 'string', value: 'NONE' },
          },
          'ai.onnx.ml',
        ),
      ],
      metadata,
      docString: 'Gradient-boosted trees; output prediction = next-horizon fractional price change.',
    });
  }
  return encodeOnnxModel({
    graphName: 'gbdt_classifier',
    usesMlDomain: true,
    inputs: [tensorValueInfo('features', 'float32', ['N', f])],
    outputs: [
      tensorValueInfo('label', 'int64', ['N']),
      tensorValueInfo('probabilities', 'float32', ['N', 2]),
      tensorValueInfo('probability', 'float32', ['N', 1]),
    ],
    initializers: [
      int64Tensor('up_start', [1], [1]),
      int64Tensor('up_end', [1], [2]),
      int64Tensor('up_axis', [1], [1]),
    ],
    nodes: [
      onnxNode(
        'TreeEnsembleClassifier',
        ['features'],
        ['label', 'probabilities'],
        {
          ...treeAttributes(model, 'class'),
          classlabels_int64s: { kind: 'ints', value: [0, 1] },
          post_transform: { kind: 'string', value: 'LOGISTIC' },
        },
        'ai.onnx.ml',
      ),
      onnxNode('Slice', ['probabilities', 'up_start', 'up_end', 'up_axis'], ['probability']),
    ],
    metadata,
    docString: 'Gradient-boosted trees; output probability = P(next-horizon return > 0).',
  });
}
