import assert from 'node:assert/strict';
import {
  Counter,
  Gauge,
  Histogram,
  MetricsRegistry,
} from '../../../../../src/routing/service/observability/metrics-registry';

describe('metrics registry', () => {
  it('renders counters, gauges and cumulative histograms in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const requests = registry.register(new Counter('x_requests_total', 'Requests.', ['route', 'status']));
    const up = registry.register(new Gauge('x_up', 'Up.', []));
    const latency = registry.register(new Histogram('x_seconds', 'Latency.', ['route'], [0.001, 0.01]));
    requests.labels('/v1/route', '200').inc();
    requests.labels('/v1/route', '200').inc(2);
    up.labels().set(1);
    const child = latency.labels('predict');
    for (const v of [0.0005, 0.001, 0.005, 0.5]) child.observe(v);
    assert.equal(
      registry.render(),
      [
        '# HELP x_requests_total Requests.',
        '# TYPE x_requests_total counter',
        'x_requests_total{route="/v1/route",status="200"} 3',
        '# HELP x_up Up.',
        '# TYPE x_up gauge',
        'x_up 1',
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

  it('escapes label values and refuses a wrong label count or a duplicate name', () => {
    const registry = new MetricsRegistry();
    const c = registry.register(new Counter('x_total', 'X.', ['model']));
    c.labels('a"b\\c\nd').inc();
    assert.match(registry.render(), /x_total\{model="a\\"b\\\\c\\nd"\} 1/);
    assert.throws(() => c.labels(), /takes labels \[model\], got 0 values/);
    assert.throws(() => registry.register(new Counter('x_total', 'again', [])), /registered twice/);
  });
});
