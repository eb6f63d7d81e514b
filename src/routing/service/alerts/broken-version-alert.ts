import type { RouterAlertInput } from '../../../db/repositories/routing-alert.repository';
import type { RoutingSnapshot } from '../config/routing-snapshot';
import type { VersionLoadSpec } from '../inference/model-session-cache';

/**
 * What serving a broken version does, per role it has in the configuration: requests routed to an
 * experiment arm are served by the champion, a broken champion has nothing to fall back to (503), a
 * broken shadow only loses its shadow scores, a challenger outside an experiment serves nothing.
 * One sentence per role, so the alert never claims a fallback that does not happen.
 *
 * ### Examples
 * ```ts
 * declare const snapshot: RoutingSnapshot | null;
 * declare const spec: Pick<VersionLoadSpec, 'versionId' | 'modelId'>;
 * brokenVersionConsequences(spec, snapshot);
 * // ['it is the champion: requests it serves fail with 503 (there is no other version to fall back to)']
 * ```
 */
export function brokenVersionConsequences(
  spec: Pick<VersionLoadSpec, 'versionId' | 'modelId'>,
  snapshot: RoutingSnapshot | null,
): string[] {
  const model = snapshot ? [...snapshot.models.values()].find((m) => m.modelId === spec.modelId) : undefined;
  if (model === undefined) return ['no request is routed to it by the configuration this router serves'];
  const isChampion = model.champion?.versionId === spec.versionId;
  const arms = (model.experiment?.arms ?? []).filter((a) => a.version.versionId === spec.versionId);
  const out: string[] = [];
  if (isChampion) {
    out.push(
      arms.length > 0
        ? `it is the champion and experiment arm ${arms.map((a) => `"${a.variant}"`).join(', ')}: requests it serves fail with 503 (there is no other version to fall back to)`
        : 'it is the champion: requests it serves fail with 503 (there is no other version to fall back to)',
    );
  } else if (arms.length > 0) {
    const names = arms.map((a) => `"${a.variant}"`).join(', ');
    out.push(
      model.champion !== null
        ? `requests routed to it are served by the champion (version ${model.champion.version}) instead (it is experiment arm ${names})`
        : `requests routed to it fail with 503: the model has no champion to fall back to (it is experiment arm ${names})`,
    );
  }
  if (model.shadow?.versionId === spec.versionId)
    out.push('it is the shadow: its shadow scores are not recorded; responses are not affected');
  if (out.length === 0 && model.challenger?.versionId === spec.versionId)
    out.push(
      'it is the challenger and serves no traffic yet; an experiment on it would fall back to the champion',
    );
  if (out.length === 0) out.push('no request is routed to it by the configuration this router serves');
  return out;
}

/**
 * The `model_version_broken` alert for a version, with the consequences of its current roles.
 *
 * ### Examples
 * ```ts
 * declare const snapshot: RoutingSnapshot | null;
 * declare const spec: VersionLoadSpec;
 * brokenVersionAlert(spec, 'load', new Error('bad bytes'), snapshot).message;
 * // 'version 3 of "btc-1h" failed to load; it is the champion: requests it serves fail with 503 (…)'
 * ```
 */
export function brokenVersionAlert(
  spec: VersionLoadSpec,
  phase: 'load' | 'run',
  error: Error,
  snapshot: RoutingSnapshot | null,
): RouterAlertInput {
  const consequences = brokenVersionConsequences(spec, snapshot);
  return {
    severity: 'critical',
    kind: 'model_version_broken',
    modelId: spec.modelId,
    experimentId: null,
    message: `version ${spec.version} of "${spec.modelName}" failed to ${phase}; ${consequences.join('; ')}`,
    details: { versionId: spec.versionId, version: spec.version, phase, error: error.message, consequences },
    dedupeKey: `router:model_version_broken:${spec.versionId}`,
  };
}
