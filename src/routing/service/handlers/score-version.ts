import { performance } from 'node:perf_hooks';
import { BrokenVersionError } from '../inference/model-session-cache';
import type { ModelSession } from '../inference/onnx-model-session';
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
  const session = context.sessions.session(ref.spec);
  if (session instanceof Promise) return session.then((loaded) => run(context, ref, loaded, vector));
  return run(context, ref, session, vector);
}

function run(
  context: RoutingContext,
  ref: VersionRef,
  session: ModelSession,
  vector: readonly number[],
): number | Promise<number> {
  const started = performance.now();
  const broken = (error: unknown): BrokenVersionError => {
    context.sessions.markBroken(ref.versionId, error as Error);
    return new BrokenVersionError(ref.versionId, error as Error);
  };
  const observed = (output: number): number => {
    context.metrics.inferenceDuration.labels().observe((performance.now() - started) / 1000);
    return output;
  };
  let output: number | Promise<number>;
  try {
    output = session.score(vector);
  } catch (error) {
    throw broken(error);
  }
  if (output instanceof Promise) {
    return output.then(observed, (error: unknown) => {
      throw broken(error);
    });
  }
  return observed(output);
}
