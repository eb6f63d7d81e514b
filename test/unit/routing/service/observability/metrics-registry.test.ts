import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import {
  SeriesCounter,
  SeriesGauge,
  SeriesHistogram,
  createMetricsRegistry,
} from '../../../../../src/routing/service/observability/metrics-registry';
import { createRouterMetrics } from '../../../../../src/routing/service/observability/router-metrics';

describe('metrics registry (prom-client)', () => {
  it('renders counters, gauges and cumulative histograms in the Prometheus text format', async () => {
    const registry = new Registry();
    const requests = new SeriesCounter({
      name: 'x_requests_total',
      help: 'Requests.',
      labelNames: ['route', 'status'],
      registry,
    });
    const up = new SeriesGauge({ name: 'x_up', help: 'Up.', labelNames: [], registry });
    const latency = new SeriesHistogram({
      name: 'x_seconds',
      help: 'Latency.',
      labelNames: ['route'],
      buckets: [0.001, 0.01],
      registry,
    });
    requests.labels('/v1/route', '200').inc();
    requests.labels('/v1/route', '200').inc(2);
    up.labels().set(1);
    const child = latency.labels('predict');
    for (const v of [0.0005, 0.001, 0.005, 0.5]) child.observe(v);
    assert.equal(
      await registry.metrics(),
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
        'x_seconds_bucket{le="0.001",route="predict"} 2',
        'x_seconds_bucket{le="0.01",route="predict"} 3',
        'x_seconds_bucket{le="+Inf",route="predict"} 4',
        'x_seconds_sum{route="predict"} 0.5065',
        'x_seconds_count{route="predict"} 4',
        '',
      ].join('\n'),
    );
  });

  it('puts a labelled series on /metrics at zero as soon as it is resolved, and keeps its count', async () => {
    const registry = new Registry();
    const dropped = new SeriesCounter({
      name: 'x_dropped_total',
      help: 'X.',
      labelNames: ['reason'],
      registry,
    });
    const latency = new SeriesHistogram({
      name: 'x_seconds',
      help: 'L.',
      labelNames: ['route'],
      buckets: [1],
      registry,
    });
    dropped.labels('overflow');
    latency.labels('predict').observe(0.5);
    latency.labels('predict'); // resolving again must not reset it
    const text = await registry.metrics();
    assert.match(text, /^x_dropped_total\{reason="overflow"\} 0$/m);
    assert.match(text, /^x_seconds_count\{route="predict"\} 1$/m);
  });

  it('escapes label values and refuses a wrong label count or a duplicate name', async () => {
    const registry = new Registry();
    const c = new SeriesCounter({ name: 'x_total', help: 'X.', labelNames: ['model'], registry });
    c.labels('a"b\\c\nd').inc();
    assert.match(await registry.metrics(), /x_total\{model="a\\"b\\\\c\\nd"\} 1/);
    assert.throws(() => c.labels(), /takes labels \[model\], got 0 values/);
    assert.throws(
      () => new SeriesCounter({ name: 'x_total', help: 'again', labelNames: [], registry }),
      /already been registered/,
    );
  });

  it("adds prom-client's runtime metrics: process CPU, heap, event-loop lag and GC", async () => {
    const text = await createMetricsRegistry().metrics();
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
    assert.match(await a.registry.metrics(), /^galfriday_router_outcomes_total\{result="recorded"\} 2$/m);
    assert.doesNotMatch(await b.registry.metrics(), /galfriday_router_outcomes_total\{result="recorded"\}/);
  });
});
