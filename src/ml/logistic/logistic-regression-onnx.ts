import { artifactMetadata } from '../onnx/artifact-metadata';
import { encodeOnnxModel, floatTensor, onnxNode, tensorValueInfo } from '../onnx/onnx-builder';
import type { LogisticRegressionModel } from './logistic-regression-model';

/**
 * Exports a logistic regression as ONNX (IR 7, default-domain opset 13): input `features`
 * float32 [N, F] → MatMul(W [F, 1]) → Add(B [1]) → Sigmoid → output `probability` float32 [N, 1]
 * = P(up). Standardization is already folded into W and B. Same model, same bytes.
 *
 * ### Examples
 * ```ts
 * import * as ort from 'onnxruntime-node';
 * import { FEATURE_SCHEMA } from '../features/feature-schema';
 * declare const model: LogisticRegressionModel;
 * const bytes = exportLogisticRegressionOnnx(model, { featureSchemaVersion: FEATURE_SCHEMA.version });
 * const session = await ort.InferenceSession.create(bytes); // inputs ['features'], outputs ['probability']
 * ```
 */
export function exportLogisticRegressionOnnx(
  model: LogisticRegressionModel,
  options: { featureSchemaVersion?: string } = {},
): Uint8Array {
  const f = model.coefficients.length;
  return encodeOnnxModel({
    graphName: 'logistic_regression',
    usesMlDomain: false,
    inputs: [tensorValueInfo('features', 'float32', ['N', f])],
    outputs: [tensorValueInfo('probability', 'float32', ['N', 1])],
    initializers: [floatTensor('W', [f, 1], model.coefficients), floatTensor('B', [1], [model.intercept])],
    nodes: [
      onnxNode('MatMul', ['features', 'W'], ['logit_raw']),
      onnxNode('Add', ['logit_raw', 'B'], ['logit']),
      onnxNode('Sigmoid', ['logit'], ['probability']),
    ],
    metadata: artifactMetadata({
      kind: 'logistic-regression',
      featureNames: model.featureNames,
      featureSchemaVersion: options.featureSchemaVersion,
      target: 'prob_up',
    }),
    docString: 'L2 logistic regression; output probability = P(next-horizon return > 0).',
  });
}
