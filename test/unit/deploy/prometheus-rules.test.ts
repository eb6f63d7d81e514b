import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createRouterMetrics } from '../../../src/routing/service/observability/router-metrics';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RULES_FILE = path.join(ROOT, 'deploy', 'prometheus', 'galfriday-alerts.yml');

/** Named by the brief before it exists here: another change adds the counter. */
const PENDING_METRICS: ReadonlyMap<string, readonly string[]> = new Map([
  ['galfriday_router_unmatched_outcomes_total', []],
]);
/** Prometheus's own per-target series, not the router's. */
const PROMETHEUS_METRICS: ReadonlyMap<string, readonly string[]> = new Map([['up', ['job', 'instance']]]);

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
]);

interface Rule {
  alert?: string;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** Series names and label names an expression uses (a small PromQL reader, enough for rules files). */
function referencesOf(expr: string): {
  metrics: Array<{ name: string; labels: string[] }>;
  grouping: string[];
} {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const metrics: Array<{ name: string; labels: string[] }> = [];
  const grouping: string[] = [];
  const noGroups = withoutStrings.replace(
    /\b(by|without|on|ignoring)\s*\(([^)]*)\)/g,
    (_, _k, names: string) => {
      grouping.push(
        ...names
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      );
      return ' ';
    },
  );
  const noRanges = noGroups.replace(/\[[^\]]*\]/g, ' ');
  const pattern = /([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?\s*(\()?/g;
  for (const match of noRanges.matchAll(pattern)) {
    const [, name, matchers, call] = match as unknown as [
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    if (call !== undefined && matchers === undefined) continue; // a function
    if (KEYWORDS.has(name)) continue;
    const before = noRanges.slice(0, match.index);
    if (/\d$/.test(before)) continue; // a duration unit after a number (offset 5m)
    const labels = [...(matchers ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)/g)].map(
      (m) => m[1]!,
    );
    metrics.push({ name, labels });
  }
  return { metrics, grouping };
}

describe('deploy/prometheus/galfriday-alerts.yml', () => {
  const document = parse(readFileSync(RULES_FILE, 'utf8')) as {
    groups?: Array<{ name?: string; rules?: Rule[] }>;
  };
  const rules = (document.groups ?? []).flatMap((g) => g.rules ?? []);
  // What the router exports: every metric of its registry (its own and prom-client's default
  // collectors), as rendered on /metrics.
  const exported = new Map<string, readonly string[]>();
  const known = new Map<string, readonly string[]>([...PENDING_METRICS, ...PROMETHEUS_METRICS]);
  before(async () => {
    const { registry } = createRouterMetrics();
    const exposition = await registry.render();
    for (const metric of registry.prometheus.getMetricsAsArray()) {
      const { name, labelNames = [] } = metric as unknown as { name: string; labelNames?: readonly string[] };
      assert.match(exposition, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is rendered on /metrics`);
      exported.set(name, labelNames);
      if (exposition.includes(`# TYPE ${name} histogram`))
        for (const suffix of ['_bucket', '_sum', '_count'])
          exported.set(`${name}${suffix}`, suffix === '_bucket' ? [...labelNames, 'le'] : labelNames);
    }
    for (const [name, labels] of exported) known.set(name, labels);
  });

  it('is a rules file of named groups of alerting rules, each with expr, for, labels and annotations', () => {
    assert.ok((document.groups ?? []).length > 0, 'at least one group');
    for (const group of document.groups ?? []) assert.equal(typeof group.name, 'string');
    const names = rules.map((r) => r.alert);
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
    for (const rule of rules) {
      const label = String(rule.alert);
      assert.match(label, /^[A-Z][A-Za-z0-9]+$/, 'an alert name');
      assert.equal(typeof rule.expr, 'string', `${label}: expr`);
      assert.match(String(rule.for), /^\d+[smh]$/, `${label}: for`);
      assert.ok(['warning', 'critical'].includes(String(rule.labels?.severity)), `${label}: labels.severity`);
      assert.ok(String(rule.annotations?.summary ?? '').length > 10, `${label}: annotations.summary`);
      assert.ok(String(rule.annotations?.description ?? '').length > 20, `${label}: annotations.description`);
    }
  });

  it('covers dropped rows, database_up, configuration age, the 5xx rate and unmatched outcomes', () => {
    const used = new Set(rules.flatMap((r) => referencesOf(String(r.expr)).metrics.map((m) => m.name)));
    for (const name of [
      'galfriday_router_log_dropped_rows_total',
      'galfriday_router_database_up',
      'galfriday_router_config_age_seconds',
      'galfriday_router_requests_total',
      'galfriday_router_unmatched_outcomes_total',
    ])
      assert.ok(used.has(name), `a rule uses ${name}`);
    const fiveXx = rules.find((r) => String(r.expr).includes('galfriday_router_requests_total'));
    assert.match(String(fiveXx?.expr), /status=~"5\.\."/);
  });

  it('names only metrics and labels that the router exports', () => {
    let checked = 0;
    for (const rule of rules) {
      const { metrics: used, grouping } = referencesOf(String(rule.expr));
      assert.ok(used.length > 0, `${rule.alert}: no metric found in its expression`);
      for (const { name, labels } of used) {
        const labelNames = known.get(name);
        assert.ok(labelNames !== undefined, `${rule.alert}: ${name} is not exported by the router`);
        for (const l of labels)
          if (exported.has(name) || PROMETHEUS_METRICS.has(name))
            assert.ok(
              [...labelNames, 'instance', 'job'].includes(l),
              `${rule.alert}: ${name} has no label ${l}`,
            );
        checked++;
      }
      const available = new Set(used.flatMap(({ name }) => [...(known.get(name) ?? []), 'instance', 'job']));
      for (const g of grouping) assert.ok(available.has(g), `${rule.alert}: grouping by unknown label ${g}`);
    }
    assert.ok(checked >= rules.length);
  });

  it('reads the metrics an expression names (the reader behind the check above)', () => {
    assert.deepEqual(
      referencesOf(
        'sum by (instance, log) (increase(a_total{reason="x", log=~"p.*"}[5m])) > 0 or b < 0 offset 5m',
      ),
      {
        metrics: [
          { name: 'a_total', labels: ['reason', 'log'] },
          { name: 'b', labels: [] },
        ],
        grouping: ['instance', 'log'],
      },
    );
  });

  it('passes promtool check rules when promtool is installed', function () {
    let version: string;
    try {
      version = execFileSync('promtool', ['--version'], { encoding: 'utf8' });
    } catch {
      // .ci/run installs promtool (Debian's prometheus package), so CI always runs this check.
      if (process.env.CI)
        throw new Error('promtool is missing, and .ci/run installs it: CI must run this check');
      this.skip();
    }
    assert.ok(version.length > 0);
    execFileSync('promtool', ['check', 'rules', RULES_FILE], { stdio: 'pipe' });
  });
});
