import type { ModelKind } from '../training/trainer';

/**
 * Metadata keys written into `ModelProto.metadata_props` of every artifact we export.
 *
 * ### Examples
 * ```ts
 * import { inspectOnnxModel } from './inspect-onnx-model';
 * declare const bytes: Uint8Array;
 * inspectOnnxModel(bytes).metadata[ARTIFACT_METADATA_KEYS.featureSchemaVersion]; // 'gf-features-v1'
 * ```
 */
export const ARTIFACT_METADATA_KEYS = {
  modelKind: 'gf.model_kind',
  featureSchemaVersion: 'gf.feature_schema_version',
  featureNames: 'gf.feature_names',
  target: 'gf.target',
} as const;

/** What an exported artifact records about itself. */
export interface ArtifactDescription {
  kind: ModelKind;
  featureNames: readonly string[];
  /** Version of the feature schema the model was trained on. @default 'unversioned' */
  featureSchemaVersion?: string;
  target: 'prob_up' | 'price_change_pct';
}

/**
 * Metadata properties for an artifact, so an external checker can compare feature names and the
 * schema version, not just the input width.
 *
 * ### Examples
 * ```ts
 * artifactMetadata({ kind: 'logistic-regression', featureNames: ['a'], featureSchemaVersion: 'v1', target: 'prob_up' });
 * // { 'gf.model_kind': 'logistic-regression', 'gf.feature_schema_version': 'v1', 'gf.feature_names': '["a"]', 'gf.target': 'prob_up' }
 * ```
 */
export function artifactMetadata(description: ArtifactDescription): Record<string, string> {
  return {
    [ARTIFACT_METADATA_KEYS.modelKind]: description.kind,
    [ARTIFACT_METADATA_KEYS.featureSchemaVersion]: description.featureSchemaVersion ?? 'unversioned',
    [ARTIFACT_METADATA_KEYS.featureNames]: JSON.stringify(description.featureNames),
    [ARTIFACT_METADATA_KEYS.target]: description.target,
  };
}
