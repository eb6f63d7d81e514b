/**
 * Operational limits of a router. Defaults suit production; tests shrink them to reach the edge
 * cases (a full buffer, a quick reweighting) in seconds.
 *
 * ### Examples
 * ```ts
 * const tuning: RouterTuning = { ...DEFAULT_ROUTER_TUNING, maxBufferedRows: 1_000 };
 * ```
 */
export interface RouterTuning {
  /** Rows each batched log (predictions, assignments) holds before dropping. @default 200000 */
  readonly maxBufferedRows: number;
  /** Rows per COPY FROM STDIN statement of a batched log. @default 5000 */
  readonly maxBatchRows: number;
  /** Full configuration reload period (notifications cover changes within a second). @default 10000 */
  readonly refreshIntervalMs: number;
  /** Longest a reload waits for new ONNX sessions before serving. @default 800 */
  readonly preloadTimeoutMs: number;
  /** Notification coalescing window. @default 10 */
  readonly debounceMs: number;
  /** Outcome items per group-commit statement. @default 20000 */
  readonly outcomeMaxBatch: number;
  /** Outcome commit deadline before answering 503. @default 5000 (ROUTER_OUTCOME_TIMEOUT) */
  readonly outcomeTimeoutMs: number;
  /** A broken version is retried after this long. @default 60000 */
  readonly retryBrokenAfterMs: number;
  /** Unreferenced ONNX sessions are released after this long. @default 60000 */
  readonly releaseAfterMs: number;
  /** How long shutdown waits for requests in flight and the last log flush. @default 5000 */
  readonly shutdownTimeoutMs: number;
  /** PostgreSQL connections of the router's pool (plus one for LISTEN). @default 10 */
  readonly poolSize: number;
  /** Adaptive-weights epoch check period. @default 200 */
  readonly reweightTickMs: number;
  /** PostgreSQL readiness probe period (its deadline is ROUTER_DB_PROBE_TIMEOUT). @default 1000 */
  readonly databaseProbeIntervalMs: number;
  /** How often outcomes kept unmatched are matched against predictions logged since. @default 5000 */
  readonly unmatchedMatchIntervalMs: number;
}

/**
 * The defaults of {@link RouterTuning}.
 */
export const DEFAULT_ROUTER_TUNING: RouterTuning = Object.freeze({
  maxBufferedRows: 200_000,
  maxBatchRows: 5_000,
  refreshIntervalMs: 10_000,
  preloadTimeoutMs: 800,
  debounceMs: 10,
  outcomeMaxBatch: 20_000,
  outcomeTimeoutMs: 5_000,
  retryBrokenAfterMs: 60_000,
  releaseAfterMs: 60_000,
  shutdownTimeoutMs: 5_000,
  poolSize: 10,
  reweightTickMs: 200,
  databaseProbeIntervalMs: 1_000,
  unmatchedMatchIntervalMs: 5_000,
});
