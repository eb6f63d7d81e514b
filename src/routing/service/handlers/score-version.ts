import { performance } from 'node:perf_hooks';
import { BrokenVersionError } from '../inference/model-session-cache';
import type { RoutingContext } from '../routing-context';
import type { VersionRef } from '../config/routing-snapshot';

/**
 * Scores a feature vector with one version. A run failure marks the version broken (the cache
 * raises the alert) and rejects with BrokenVersionError, so the caller can fall back.
 *
 * ### Examples
 * ```ts
 * const output = await scoreVersion(context, model.champion, vector); // 0.57…
 * ```
 */
export async function scoreVersion(
  context: RoutingContext,
  ref: VersionRef,
  vector: readonly number[],
): Promise<number> {
  let session = context.sessions.session(ref.spec);
  if (session instanceof Promise) session = await session;
  const started = performance.now();
  try {
    const output = await session.score(vector);
    context.metrics.inferenceDuration.labels().observe((performance.now() - started) / 1000);
    return output;
  } catch (error) {
    context.sessions.markBroken(ref.versionId, error as Error);
    throw new BrokenVersionError(ref.versionId, error as Error);
  }
}
