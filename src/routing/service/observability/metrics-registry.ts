import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';

// prom-client metrics whose `labels(...)` also creates the series at zero, as the router's own
// registry did: a counter labelled at startup (dropped rows per log and reason) is on /metrics
// before its first event, so `increase()` in an alert counts that first event. The hot path keeps
// the child `labels()` returns (resolved when the configuration is built), as before.

/** One labelled series of a counter; keep it to count without resolving labels again. */
export type CounterChild = Counter.Internal;
/** One labelled series of a histogram. */
export type HistogramChild = Histogram.Internal<string>;
/** One labelled series of a gauge. */
export type GaugeChild = Gauge.Internal<string>;

function labelObject(
  names: readonly string[],
  values: readonly string[],
  metric: string,
): LabelValues<string> {
  if (values.length !== names.length)
    throw new Error(`metric ${metric} takes labels [${names.join(', ')}], got ${values.length} values`);
  return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
}

interface MetricOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
}

/**
 * A monotonically increasing count.
 *
 * ### Examples
 * ```ts
 * const c = new SeriesCounter({ name: 'x_total', help: 'X.', labelNames: ['status'], registry });
 * c.labels('recorded').inc(3);
 * ```
 */
export class SeriesCounter extends Counter {
  /** Set by prom-client's constructor (not in its type declarations); the rules test reads them. */
  declare readonly name: string;
  declare readonly labelNames: readonly string[];
  constructor(options: MetricOptions) {
    super({ ...options, labelNames: [...options.labelNames], registers: [options.registry] });
  }
  override labels(...values: string[] | [LabelValues<string>]): CounterChild {
    const child = super.labels(labelObject(this.labelNames, values as string[], this.name));
    child.inc(0);
    return child;
  }
}

/**
 * A value that goes up and down.
 *
 * ### Examples
 * ```ts
 * const g = new SeriesGauge({ name: 'x_up', help: 'Up.', labelNames: [], registry });
 * g.labels().set(1);
 * ```
 */
export class SeriesGauge extends Gauge {
  /** Set by prom-client's constructor (not in its type declarations); the rules test reads them. */
  declare readonly name: string;
  declare readonly labelNames: readonly string[];
  constructor(options: MetricOptions) {
    super({ ...options, labelNames: [...options.labelNames], registers: [options.registry] });
  }
  override labels(...values: string[] | [LabelValues<string>]): GaugeChild {
    const child = super.labels(labelObject(this.labelNames, values as string[], this.name));
    child.inc(0);
    return child;
  }
}

/**
 * Observations counted into fixed buckets (upper bounds, seconds for latencies).
 *
 * ### Examples
 * ```ts
 * const h = new SeriesHistogram({ name: 'x_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.001], registry });
 * h.labels('/v1/route').observe(0.0004);
 * ```
 */
export class SeriesHistogram extends Histogram {
  /** Set by prom-client's constructor (not in its type declarations); the rules test reads them. */
  declare readonly name: string;
  declare readonly labelNames: readonly string[];
  private readonly created = new Set<string>();
  constructor(options: MetricOptions & { buckets: readonly number[] }) {
    super({
      ...options,
      labelNames: [...options.labelNames],
      buckets: [...options.buckets],
      registers: [options.registry],
    });
  }
  override labels(...values: string[] | [LabelValues<string>]): HistogramChild {
    const labels = labelObject(this.labelNames, values as string[], this.name);
    const key = (values as string[]).join('\u0000');
    if (!this.created.has(key)) {
      this.created.add(key);
      this.zero(labels);
    }
    return super.labels(labels);
  }
}

/**
 * A registry of its own (never prom-client's global one, so routers in one process do not clash)
 * with prom-client's default collectors: process CPU and memory, heap, event-loop lag and GC.
 *
 * ### Examples
 * ```ts
 * const registry = createMetricsRegistry();
 * await registry.metrics(); // Prometheus text exposition
 * ```
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
