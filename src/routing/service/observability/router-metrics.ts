import { Counter, Gauge, Histogram, MetricsRegistry } from './metrics-registry';

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
 * await metrics.registry.render(); // text for Prometheus, with the Node.js runtime metrics
 * ```
 */
export function createRouterMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    requestDuration: registry.register(
      new Histogram(
        'galfriday_router_request_duration_seconds',
        'Time from request start to response end, per route.',
        ['route'],
        LATENCY_BUCKETS,
      ),
    ),
    requests: registry.register(
      new Counter('galfriday_router_requests_total', 'Requests answered, per route and status code.', [
        'route',
        'status',
      ]),
    ),
    predictions: registry.register(
      new Counter(
        'galfriday_router_predictions_total',
        'Served predictions per model and variant ("champion" outside experiments).',
        ['model', 'variant'],
      ),
    ),
    shadowPredictions: registry.register(
      new Counter(
        'galfriday_router_shadow_predictions_total',
        'Shadow scores recorded (never returned), per model.',
        ['model'],
      ),
    ),
    assignments: registry.register(
      new Counter(
        'galfriday_router_assignments_total',
        'Experiment assignments recorded, per model and variant.',
        ['model', 'variant'],
      ),
    ),
    inferenceDuration: registry.register(
      new Histogram(
        'galfriday_router_inference_duration_seconds',
        'onnxruntime time per single-row score.',
        [],
        LATENCY_BUCKETS,
      ),
    ),
    fallbacks: registry.register(
      new Counter(
        'galfriday_router_champion_fallbacks_total',
        'Requests served by the champion because the routed version is broken.',
        ['model'],
      ),
    ),
    signals: registry.register(
      new Counter(
        'galfriday_router_signals_total',
        'Trade-signal decisions per strategy and outcome (BUY, SELL, none).',
        ['strategy', 'decision'],
      ),
    ),
    outcomes: registry.register(
      new Counter(
        'galfriday_router_outcomes_total',
        'Outcome items per result (recorded, duplicate, unknown).',
        ['result'],
      ),
    ),
    flushLag: registry.register(
      new Histogram(
        'galfriday_router_log_flush_lag_seconds',
        'Age of the oldest row of a batch when it was committed.',
        ['log'],
        LAG_BUCKETS,
      ),
    ),
    flushedRows: registry.register(
      new Counter('galfriday_router_log_flushed_rows_total', 'Rows committed by the batched logs.', ['log']),
    ),
    droppedRows: registry.register(
      new Counter(
        'galfriday_router_log_dropped_rows_total',
        'Rows never stored: buffer full (overflow) or refused by PostgreSQL (rejected).',
        ['log', 'reason'],
      ),
    ),
    bufferedRows: registry.register(
      new Gauge('galfriday_router_log_buffered_rows', 'Rows waiting in memory to be written.', ['log']),
    ),
    databaseUp: registry.register(
      new Gauge(
        'galfriday_router_database_up',
        '1 when the last PostgreSQL operation succeeded, else 0.',
        [],
      ),
    ),
    configReloads: registry.register(
      new Counter('galfriday_router_config_reloads_total', 'Configuration reloads per trigger and result.', [
        'trigger',
        'result',
      ]),
    ),
    configAge: registry.register(
      new Gauge(
        'galfriday_router_config_age_seconds',
        'Seconds since the configuration was last loaded successfully.',
        [],
      ),
    ),
    // --- Hostile input and a hanging database (hardened edges) ---
    droppedConnections: registry.register(
      new Counter(
        'galfriday_router_dropped_connections_total',
        'TCP connections closed at once because ROUTER_MAX_CONNECTIONS were open.',
        [],
      ),
    ),
    droppedLogLines: registry.register(
      new Counter(
        'galfriday_router_log_lines_dropped_total',
        'Log lines not written: stdout failed (ENOSPC, EPIPE) or its buffer was full.',
        ['reason'],
      ),
    ),
    unmatchedOutcomes: registry.register(
      new Counter(
        'galfriday_router_unmatched_outcomes_total',
        'Outcomes acknowledged without a matching prediction, kept in unmatched_outcomes, per reason.',
        ['reason'],
      ),
    ),
    databaseTimeouts: registry.register(
      new Counter(
        'galfriday_router_database_timeouts_total',
        'PostgreSQL operations abandoned at their deadline (connection discarded), per operation.',
        ['operation'],
      ),
    ),
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
