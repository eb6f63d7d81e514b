import { SeriesCounter, SeriesGauge, SeriesHistogram, createMetricsRegistry } from './metrics-registry';

/** Latency buckets in seconds: fine below 1 ms where the hot path lives, coarse above. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Flush lag buckets in seconds: from a fast flush to a PostgreSQL outage. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/**
 * Every metric the routing service exposes on `/metrics`, created once per router.
 *
 * ### Examples
 * ```ts
 * const metrics = createRouterMetrics();
 * metrics.droppedRows.labels('predictions', 'overflow').inc();
 * await metrics.registry.metrics(); // text for Prometheus, with the default Node.js collectors
 * ```
 */
export function createRouterMetrics() {
  const registry = createMetricsRegistry();
  return {
    registry,
    requestDuration: new SeriesHistogram({
      name: 'galfriday_router_request_duration_seconds',
      help: 'Time from request start to response end, per route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registry,
    }),
    requests: new SeriesCounter({
      name: 'galfriday_router_requests_total',
      help: 'Requests answered, per route and status code.',
      labelNames: ['route', 'status'],
      registry,
    }),
    predictions: new SeriesCounter({
      name: 'galfriday_router_predictions_total',
      help: 'Served predictions per model and variant ("champion" outside experiments).',
      labelNames: ['model', 'variant'],
      registry,
    }),
    shadowPredictions: new SeriesCounter({
      name: 'galfriday_router_shadow_predictions_total',
      help: 'Shadow scores recorded (never returned), per model.',
      labelNames: ['model'],
      registry,
    }),
    assignments: new SeriesCounter({
      name: 'galfriday_router_assignments_total',
      help: 'Experiment assignments recorded, per model and variant.',
      labelNames: ['model', 'variant'],
      registry,
    }),
    inferenceDuration: new SeriesHistogram({
      name: 'galfriday_router_inference_duration_seconds',
      help: 'onnxruntime time per single-row score.',
      labelNames: [],
      buckets: LATENCY_BUCKETS,
      registry,
    }),
    fallbacks: new SeriesCounter({
      name: 'galfriday_router_champion_fallbacks_total',
      help: 'Requests served by the champion because the routed version is broken.',
      labelNames: ['model'],
      registry,
    }),
    signals: new SeriesCounter({
      name: 'galfriday_router_signals_total',
      help: 'Trade-signal decisions per strategy and outcome (BUY, SELL, none).',
      labelNames: ['strategy', 'decision'],
      registry,
    }),
    outcomes: new SeriesCounter({
      name: 'galfriday_router_outcomes_total',
      help: 'Outcome items per result (recorded, duplicate, unknown).',
      labelNames: ['result'],
      registry,
    }),
    flushLag: new SeriesHistogram({
      name: 'galfriday_router_log_flush_lag_seconds',
      help: 'Age of the oldest row of a batch when it was committed.',
      labelNames: ['log'],
      buckets: LAG_BUCKETS,
      registry,
    }),
    flushedRows: new SeriesCounter({
      name: 'galfriday_router_log_flushed_rows_total',
      help: 'Rows committed by the batched logs.',
      labelNames: ['log'],
      registry,
    }),
    droppedRows: new SeriesCounter({
      name: 'galfriday_router_log_dropped_rows_total',
      help: 'Rows never stored: buffer full (overflow) or refused by PostgreSQL (rejected).',
      labelNames: ['log', 'reason'],
      registry,
    }),
    bufferedRows: new SeriesGauge({
      name: 'galfriday_router_log_buffered_rows',
      help: 'Rows waiting in memory to be written.',
      labelNames: ['log'],
      registry,
    }),
    databaseUp: new SeriesGauge({
      name: 'galfriday_router_database_up',
      help: '1 when the last PostgreSQL operation succeeded, else 0.',
      labelNames: [],
      registry,
    }),
    configReloads: new SeriesCounter({
      name: 'galfriday_router_config_reloads_total',
      help: 'Configuration reloads per trigger and result.',
      labelNames: ['trigger', 'result'],
      registry,
    }),
    configAge: new SeriesGauge({
      name: 'galfriday_router_config_age_seconds',
      help: 'Seconds since the configuration was last loaded successfully.',
      labelNames: [],
      registry,
    }),
    // --- Hostile input and a hanging database (hardened edges) ---
    droppedConnections: new SeriesCounter({
      name: 'galfriday_router_dropped_connections_total',
      help: 'TCP connections closed at once because ROUTER_MAX_CONNECTIONS were open.',
      labelNames: [],
      registry,
    }),
    droppedLogLines: new SeriesCounter({
      name: 'galfriday_router_log_lines_dropped_total',
      help: 'Log lines not written: stdout failed (ENOSPC, EPIPE) or its buffer was full.',
      labelNames: ['reason'],
      registry,
    }),
    unmatchedOutcomes: new SeriesCounter({
      name: 'galfriday_router_unmatched_outcomes_total',
      help: 'Outcomes acknowledged without a matching prediction, kept in unmatched_outcomes, per reason.',
      labelNames: ['reason'],
      registry,
    }),
    databaseTimeouts: new SeriesCounter({
      name: 'galfriday_router_database_timeouts_total',
      help: 'PostgreSQL operations abandoned at their deadline (connection discarded), per operation.',
      labelNames: ['operation'],
      registry,
    }),
    // --- end hardened edges ---
  };
}

/**
 * The metrics of one router, as returned by {@link createRouterMetrics}.
 *
 * ### Examples
 * ```ts
 * function count(metrics: RouterMetrics) { metrics.outcomes.labels('recorded').inc(); }
 * ```
 */
export type RouterMetrics = ReturnType<typeof createRouterMetrics>;
