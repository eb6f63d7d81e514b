import assert from 'node:assert/strict';
import {
  Counter,
  Gauge,
  Histogram,
  MetricsRegistry,
} from '../../../../../src/routing/service/observability/metrics-registry';
import { createRouterMetrics } from '../../../../../src/routing/service/observability/router-metrics';

describe('metrics registry', () => {
  it('renders counters, gauges and cumulative histograms in the Prometheus text format', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const requests = registry.register(new Counter('x_requests_total', 'Requests.', ['route', 'status']));
    const up = registry.register(new Gauge('x_up', 'Up.', []));
    const latency = registry.register(new Histogram('x_seconds', 'Latency.', ['route'], [0.001, 0.01]));
    requests.labels('/v1/route', '200').inc();
    requests.labels('/v1/route', '200').inc(2);
    up.labels().set(1);
    const child = latency.labels('predict');
    for (const v of [0.0005, 0.001, 0.005, 0.5]) child.observe(v);
    assert.equal(
      await registry.render(),
      [
        '# HELP x_requests_total Requests.',
        '# TYPE x_requests_total counter',
        'x_requests_total{route="/v1/route",status="200"} 3',
        '',
        '# HELP x_up Up.',
        '# TYPE x_up gauge',
        'x_up 1',
        '',
        '# HELP x_seconds Latency.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{route="predict",le="0.001"} 2',
        'x_seconds_bucket{route="predict",le="0.01"} 3',
        'x_seconds_bucket{route="predict",le="+Inf"} 4',
        'x_seconds_sum{route="predict"} 0.5065',
        'x_seconds_count{route="predict"} 4',
        '',
      ].join('\n'),
    );
  });

  it('puts a labelled series on /metrics at zero as soon as it is resolved, and keeps one child per labels', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const dropped = registry.register(new Counter('x_dropped_total', 'X.', ['reason']));
    const overflow = dropped.labels('overflow');
    assert.match(await registry.render(), /^x_dropped_total\{reason="overflow"\} 0$/m);
    assert.equal(dropped.labels('overflow'), overflow);
  });

  it('escapes label values and refuses a wrong label count or a duplicate name', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const c = registry.register(new Counter('x_total', 'X.', ['model']));
    c.labels('a"b\\c\nd').inc();
    assert.match(await registry.render(), /x_total\{model="a\\"b\\\\c\\nd"\} 1/);
    assert.throws(() => c.labels(), /takes labels \[model\], got 0 values/);
    assert.throws(() => registry.register(new Counter('x_total', 'again', [])), /already been registered/);
  });

  it("adds prom-client's runtime metrics: process CPU, heap, event-loop lag and GC", async () => {
    const text = await new MetricsRegistry().render();
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ])
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  });

  it('gives every router a registry of its own, so two routers in one process do not clash', async () => {
    const a = createRouterMetrics();
    const b = createRouterMetrics();
    a.outcomes.labels('recorded').inc(2);
    assert.match(await a.registry.render(), /^galfriday_router_outcomes_total\{result="recorded"\} 2$/m);
    assert.doesNotMatch(await b.registry.render(), /galfriday_router_outcomes_total\{result="recorded"\}/);
  });
});
