import type { RouterLogger } from '../observability/router-logger';
import type { ModelSession } from './onnx-model-session';

/**
 * How to load a version: where its bytes come from and what it is served with.
 *
 * ### Examples
 * ```ts
 * const spec: VersionLoadSpec = { versionId: '7', modelId: '1', modelName: 'btc-1h', version: 3, schema: { version: 1, names: ['a'] }, task: 'classification' };
 * ```
 */
export interface VersionLoadSpec {
  readonly versionId: string;
  /** Owner and number, for alerts and logs. */
  readonly modelId: string;
  readonly modelName: string;
  readonly version: number;
  readonly schema: { readonly version: unknown; readonly names: readonly string[] };
  readonly task: 'classification' | 'regression';
}

/**
 * Thrown (or rejected) when a version cannot be served because it failed to load or to run
 * recently; callers fall back to the champion.
 *
 * ### Examples
 * ```ts
 * declare const cache: ModelSessionCache;
 * declare const spec: VersionLoadSpec;
 * cache.session(spec); // throws BrokenVersionError 'version id 9 is broken: onnxruntime could not load the model: …'
 * ```
 */
export class BrokenVersionError extends Error {
  override readonly name: string = 'BrokenVersionError';
  constructor(
    readonly versionId: string,
    override readonly cause: Error,
    /** True when the artifact could not be fetched (PostgreSQL unreachable): not the version's fault. */
    readonly transient = false,
  ) {
    super(`version id ${versionId} is ${transient ? 'unavailable' : 'broken'}: ${cause.message}`);
  }
}

/**
 * Thrown (or rejected) when one run of a version failed on this input, before enough different
 * inputs failed to mark the version broken: the request falls back to the champion all the same.
 *
 * ### Examples
 * ```ts
 * new VersionRunFailedError('9', new Error('onnxruntime: …')).message; // 'version id 9 failed on this input: onnxruntime: …'
 * ```
 */
export class VersionRunFailedError extends BrokenVersionError {
  override readonly name = 'VersionRunFailedError';
  constructor(versionId: string, cause: Error) {
    super(versionId, cause);
    this.message = `version id ${versionId} failed on this input: ${cause.message}`;
  }
}

interface Entry {
  spec: VersionLoadSpec;
  session: ModelSession | null;
  loading: Promise<ModelSession> | null;
  brokenError: Error | null;
  brokenAt: number;
  unreferencedSince: number | null;
  /** Recent run failures by input (float32 bytes), with the time of each: see recordRunFailure. */
  runFailures: Map<string, number>;
}

/**
 * Run failures on this many different inputs, within {@link DEFAULT_RUN_FAILURE_WINDOW_MS}, mark a
 * version broken by default.
 */
export const DEFAULT_BROKEN_AFTER_DISTINCT_FAILURES = 3;

/**
 * The window in which run failures on different inputs are counted, by default.
 */
export const DEFAULT_RUN_FAILURE_WINDOW_MS = 60_000;

// The key of an input as the model sees it: its float32 bytes, so that inputs differing only
// below float32 precision count as one.
function inputKey(vector: readonly number[]): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString('base64');
}

/**
 * Options of {@link ModelSessionCache}.
 */
export interface ModelSessionCacheOptions {
  fetchArtifact(versionId: string): Promise<Uint8Array>;
  load(
    bytes: Uint8Array,
    schema: VersionLoadSpec['schema'],
    task: VersionLoadSpec['task'],
  ): Promise<ModelSession>;
  /** A broken version is tried again after this long (a fixed artifact or a transient fetch error). */
  readonly retryBrokenAfterMs: number;
  /** Sessions no longer referenced by the configuration are released after this grace period. */
  readonly releaseAfterMs: number;
  readonly logger: RouterLogger;
  /**
   * Run failures on this many different inputs within `runFailureWindowMs` mark a version broken;
   * fewer are only the failing requests' problem (they fall back). @default 3
   */
  readonly brokenAfterDistinctFailures?: number;
  /** @default 60000 */
  readonly runFailureWindowMs?: number;
  /** Called once per transition to broken (load or run failure). */
  onBroken(spec: VersionLoadSpec, phase: 'load' | 'run', error: Error): void;
}

/**
 * ONNX sessions by version id. Versions are immutable, so a session is loaded once and kept while
 * the configuration references the version; failures mark the version broken for a while so a bad
 * artifact costs one load attempt per retry period, not one per request.
 *
 * ### Examples
 * ```ts
 * declare const spec: VersionLoadSpec;
 * declare const options: ModelSessionCacheOptions;
 * const cache = new ModelSessionCache(options);
 * await cache.preload([spec]);               // loads before the configuration that needs it is served
 * const s = cache.session(spec);              // ModelSession, or a Promise while it loads
 * ```
 */
export class ModelSessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: ModelSessionCacheOptions) {}

  /**
   * The version's session when loaded (synchronously: the hot path), a promise while loading,
   * or throws {@link BrokenVersionError}.
   */
  session(spec: VersionLoadSpec): ModelSession | Promise<ModelSession> {
    const entry = this.entries.get(spec.versionId);
    if (entry !== undefined && entry.session !== null) return entry.session;
    if (
      entry !== undefined &&
      entry.brokenError !== null &&
      Date.now() - entry.brokenAt < this.options.retryBrokenAfterMs
    ) {
      throw new BrokenVersionError(spec.versionId, entry.brokenError);
    }
    return this.load(spec);
  }

  /** Loads every spec not loaded yet; never rejects (failures mark versions broken). */
  async preload(specs: readonly VersionLoadSpec[]): Promise<void> {
    await Promise.all(
      specs.map(async (spec) => {
        try {
          await this.session(spec);
        } catch {
          // Recorded as broken; requests fall back to the champion.
        }
      }),
    );
  }

  /**
   * Records that scoring `vector` failed at run time, and marks the version broken once runs on
   * `brokenAfterDistinctFailures` different inputs failed within `runFailureWindowMs`: a model that
   * fails everywhere is taken out of service within a few requests, while one input that trips it
   * (or a client repeating one crafted input) cannot take it out of service for everyone. Returns
   * true when this failure marked it broken.
   */
  recordRunFailure(versionId: string, vector: readonly number[], error: Error): boolean {
    const entry = this.entries.get(versionId);
    if (entry === undefined || entry.brokenError !== null) return false;
    const now = Date.now();
    const window = this.options.runFailureWindowMs ?? DEFAULT_RUN_FAILURE_WINDOW_MS;
    for (const [key, at] of entry.runFailures) if (now - at > window) entry.runFailures.delete(key);
    entry.runFailures.set(inputKey(vector), now);
    if (
      entry.runFailures.size <
      (this.options.brokenAfterDistinctFailures ?? DEFAULT_BROKEN_AFTER_DISTINCT_FAILURES)
    )
      return false;
    entry.runFailures.clear();
    this.markBroken(versionId, error);
    return true;
  }

  /** Marks a version broken after scoring failures. */
  markBroken(versionId: string, error: Error): void {
    const entry = this.entries.get(versionId);
    if (entry === undefined) return;
    const wasBroken = entry.brokenError !== null;
    entry.brokenError = error;
    entry.brokenAt = Date.now();
    const session = entry.session;
    entry.session = null;
    // In-flight scores may still use it; releasing later is safe, releasing now is not.
    if (session !== null)
      setTimeout(() => void session.release().catch(() => undefined), this.options.releaseAfterMs).unref();
    if (!wasBroken) this.options.onBroken(entry.spec, 'run', error);
  }

  /** Whether the version is currently considered broken. */
  isBroken(versionId: string): boolean {
    const entry = this.entries.get(versionId);
    return (
      entry !== undefined &&
      entry.brokenError !== null &&
      Date.now() - entry.brokenAt < this.options.retryBrokenAfterMs
    );
  }

  /** Notes which versions the current configuration uses and releases long-unreferenced sessions. */
  retain(versionIds: ReadonlySet<string>): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (versionIds.has(id)) {
        entry.unreferencedSince = null;
        continue;
      }
      entry.unreferencedSince ??= now;
      if (now - entry.unreferencedSince >= this.options.releaseAfterMs && entry.loading === null) {
        this.entries.delete(id);
        void entry.session?.release().catch(() => undefined);
      }
    }
  }

  /** Per version: loaded, loading or broken (with the reason), for `/admin/config`. */
  describe(): Array<{ versionId: string; state: 'ready' | 'loading' | 'broken'; error?: string }> {
    return [...this.entries.entries()].map(([versionId, e]) =>
      e.session !== null
        ? { versionId, state: 'ready' as const }
        : e.brokenError !== null
          ? { versionId, state: 'broken' as const, error: e.brokenError.message }
          : { versionId, state: 'loading' as const },
    );
  }

  /** Releases every session (shutdown). */
  async close(): Promise<void> {
    const sessions = [...this.entries.values()]
      .map((e) => e.session)
      .filter((s): s is ModelSession => s !== null);
    this.entries.clear();
    await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
  }

  private load(spec: VersionLoadSpec): Promise<ModelSession> {
    let entry = this.entries.get(spec.versionId);
    if (entry === undefined) {
      entry = {
        spec,
        session: null,
        loading: null,
        brokenError: null,
        brokenAt: 0,
        unreferencedSince: null,
        runFailures: new Map(),
      };
      this.entries.set(spec.versionId, entry);
    }
    if (entry.loading !== null) return entry.loading;
    const target = entry;
    const loading = (async () => {
      let bytes: Uint8Array;
      try {
        bytes = await this.options.fetchArtifact(spec.versionId);
      } catch (error) {
        // Connection and server errors carry a code (ECONNREFUSED, SQLSTATE); a missing version or
        // a checksum mismatch does not, and those are the artifact's fault.
        if (typeof (error as { code?: unknown }).code === 'string') {
          target.loading = null;
          throw new BrokenVersionError(spec.versionId, error as Error, true);
        }
        return this.fail(target, error as Error);
      }
      try {
        const session = await this.options.load(bytes, spec.schema, spec.task);
        target.session = session;
        if (target.brokenError !== null)
          this.options.logger.info('model version loads again', { versionId: spec.versionId });
        target.brokenError = null;
        return session;
      } catch (error) {
        return this.fail(target, error as Error);
      } finally {
        target.loading = null;
      }
    })();
    target.loading = loading;
    return loading;
  }

  private fail(entry: Entry, error: Error): never {
    const wasBroken = entry.brokenError !== null;
    entry.brokenError = error;
    entry.brokenAt = Date.now();
    entry.loading = null;
    if (!wasBroken) this.options.onBroken(entry.spec, 'load', error);
    throw new BrokenVersionError(entry.spec.versionId, error);
  }
}
