import { performance } from 'node:perf_hooks';
import { thenMaybe } from '../../../util/maybe-async';
import { BrokenVersionError } from '../inference/model-session-cache';
import type { RoutingContext } from '../routing-context';
import type { VersionRef } from '../config/routing-snapshot';

/**
 * Scores a feature vector with one version: synchronously (a number) when the version's session is
 * loaded and runs on onnxruntime's native session, else as a Promise. A run failure marks the
 * version broken (the cache raises the alert) and throws or rejects with BrokenVersionError, so the
 * caller can fall back.
 *
 * ### Examples
 * ```ts
 * const output = await scoreVersion(context, model.champion, vector); // 0.57…
 * ```
 */
export function scoreVersion(
  context: RoutingContext,
  ref: VersionRef,
  vector: readonly number[],
): number | Promise<number> {
  return thenMaybe(
    () => context.sessions.session(ref.spec),
    (session) => {
      const started = performance.now();
      return thenMaybe(
        () => session.score(vector),
        (output) => {
          context.metrics.inferenceDuration.labels().observe((performance.now() - started) / 1000);
          return output;
        },
        (error) => {
          context.sessions.markBroken(ref.versionId, error as Error);
          throw new BrokenVersionError(ref.versionId, error as Error);
        },
      );
    },
  );
}
