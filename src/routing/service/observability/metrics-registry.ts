// A minimal Prometheus text-format (0.0.4) registry. It exists instead of prom-client because the
// hot path needs children resolved once (a counter per model and variant is looked up when the
// configuration is built, not per request) and observe() must be a few comparisons and additions.

type LabelValues = readonly string[];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: LabelValues, extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

abstract class Metric<Child> {
  protected readonly children = new Map<string, { values: LabelValues; child: Child }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The child for these label values, created on first use; keep it to skip the lookup later. */
  labels(...values: string[]): Child {
    if (values.length !== this.labelNames.length) {
      throw new Error(
        `metric ${this.name} takes labels [${this.labelNames.join(', ')}], got ${values.length} values`,
      );
    }
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { values, child: this.createChild() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected abstract createChild(): Child;
  abstract render(): string;
}

/**
 * One labelled series of a {@link Counter}; keep it to count without a lookup.
 */
export interface CounterChild {
  inc(by?: number): void;
  readonly value: number;
}

/**
 * A monotonically increasing count.
 *
 * ### Examples
 * ```ts
 * const c = new Counter('galfriday_router_outcomes_total', 'Outcomes by status.', ['status']);
 * c.labels('recorded').inc(3);
 * c.render(); // '# HELP …\n# TYPE … counter\ngalfriday_router_outcomes_total{status="recorded"} 3\n'
 * ```
 */
export class Counter extends Metric<CounterChild> {
  protected createChild(): CounterChild {
    return {
      value: 0,
      inc(by = 1) {
        (this as { value: number }).value += by;
      },
    };
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { values, child } of this.children.values()) {
      out += `${this.name}${labelText(this.labelNames, values)} ${formatNumber(child.value)}\n`;
    }
    return out;
  }
}

/**
 * One labelled series of a {@link Gauge}.
 */
export interface GaugeChild {
  set(value: number): void;
  readonly value: number;
}

/**
 * A value that goes up and down; `collect` (when given) refreshes it just before rendering, for
 * values that are cheaper to read on scrape than to keep current (buffer sizes, ages).
 *
 * ### Examples
 * ```ts
 * const g = new Gauge('galfriday_router_database_up', 'Whether PostgreSQL answered last time.', []);
 * g.labels().set(1);
 * ```
 */
export class Gauge extends Metric<GaugeChild> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly collect?: (gauge: Gauge) => void,
  ) {
    super(name, help, labelNames);
  }
  protected createChild(): GaugeChild {
    return {
      value: 0,
      set(value: number) {
        (this as { value: number }).value = value;
      },
    };
  }
  render(): string {
    this.collect?.(this);
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const { values, child } of this.children.values()) {
      out += `${this.name}${labelText(this.labelNames, values)} ${formatNumber(child.value)}\n`;
    }
    return out;
  }
}

/**
 * One labelled series of a {@link Histogram}.
 */
export interface HistogramChild {
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
  /** Non-cumulative count per bucket (last = above the highest bound). */
  readonly counts: Float64Array;
}

/**
 * Observations counted into fixed buckets (upper bounds, seconds for latencies).
 *
 * ### Examples
 * ```ts
 * const h = new Histogram('galfriday_router_request_duration_seconds', 'Latency.', ['route'], [0.001, 0.01]);
 * h.labels('/v1/route').observe(0.0004);
 * ```
 */
export class Histogram extends Metric<HistogramChild> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  protected createChild(): HistogramChild {
    const bounds = this.buckets;
    const counts = new Float64Array(bounds.length + 1);
    const child = {
      count: 0,
      sum: 0,
      counts,
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        counts[i]!++;
        child.count++;
        child.sum += value;
      },
    };
    return child;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const { values, child } of this.children.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += child.counts[i]!;
        const le = i < this.buckets.length ? formatNumber(this.buckets[i]!) : '+Inf';
        out += `${this.name}_bucket${labelText(this.labelNames, values, `le="${le}"`)} ${cumulative}\n`;
      }
      out += `${this.name}_sum${labelText(this.labelNames, values)} ${formatNumber(child.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, values)} ${child.count}\n`;
    }
    return out;
  }
}

/**
 * A set of metrics rendered together for `/metrics`.
 *
 * ### Examples
 * ```ts
 * const registry = new MetricsRegistry();
 * const requests = registry.register(new Counter('x_total', 'Requests.', []));
 * requests.labels().inc();
 * registry.render(); // Prometheus text exposition of every registered metric
 * ```
 */
export class MetricsRegistry {
  private readonly metrics: Array<{ render(): string; name: string }> = [];

  register<M extends { render(): string; name: string }>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name))
      throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}
