import { performance } from 'node:perf_hooks';
import { thenMaybe } from '../../../util/maybe-async';
import { RouterError } from '../errors/router-error';
import { BrokenVersionError, VersionRunFailedError } from '../inference/model-session-cache';
import { NonFiniteOutputError } from '../inference/non-finite-output-error';
import type { RoutingContext } from '../routing-context';
import type { VersionRef } from '../config/routing-snapshot';

/**
 * Scores a feature vector with one version: synchronously (a number) when the version's session is
 * loaded and runs on onnxruntime's native session, else as a Promise. A non-finite output is this
 * request's error (RouterError ROUTER_ERR_NON_FINITE_OUTPUT) and says nothing about the version. A
 * run failure throws or rejects with a BrokenVersionError, so the caller can fall back; it marks
 * the version broken (the cache raises the alert) only once runs on several different inputs
 * failed (see ModelSessionCache.recordRunFailure).
 *
 * ### Examples
 * ```ts
 * import type { ModelRoute } from '../config/routing-snapshot';
 * declare const model: ModelRoute;
 * declare const context: RoutingContext;
 * declare const vector: readonly number[];
 * const output = await scoreVersion(context, model.champion!, vector); // 0.57…
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
          if (error instanceof NonFiniteOutputError) {
            throw new RouterError(
              'ROUTER_ERR_NON_FINITE_OUTPUT',
              `version ${ref.version} returned ${error.value} for these features (float32 overflow on extreme values); nothing was logged`,
              { field: 'features' },
            );
          }
          if (context.sessions.recordRunFailure(ref.versionId, vector, error as Error))
            throw new BrokenVersionError(ref.versionId, error as Error);
          throw new VersionRunFailedError(ref.versionId, error as Error);
        },
      );
    },
  );
}
