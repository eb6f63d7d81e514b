// The hand-written pieces that issue 17 asked to replace with libraries and that were kept, measured
// against the library in the same run: the router's metric children against prom-client's own
// Counter and Histogram (per request), UUIDv7 ids against `uuid`'s v7, the drift radix sort against
// Float64Array.prototype.sort, and src/stats/distributions against @stdlib's special functions on
// the committed mpmath golden vectors, at the golden test's tolerance.
// Run: npm install --no-save @stdlib/math-base-special-gammaln @stdlib/math-base-special-betainc \
//   @stdlib/math-base-special-gammainc @stdlib/stats-base-dists-normal-cdf \
//   @stdlib/stats-base-dists-normal-quantile @stdlib/stats-base-dists-chisquare-cdf \
//   @stdlib/stats-base-dists-t-cdf @stdlib/stats-base-dists-t-quantile @stdlib/stats-base-dists-beta-cdf
// then npx ts-node bench/library-evaluation.bench.ts (without @stdlib the last part is skipped).

import { Counter as PromCounter, Histogram as PromHistogram, Registry } from 'prom-client';
import { v7 } from 'uuid';
import * as own from '../src/stats/distributions';
import { uuidv7 } from '../src/routing/service/ids/uuid-v7';
import { createRouterMetrics } from '../src/routing/service/observability/router-metrics';
import { sortFloat64InPlace } from '../src/stats/drift/radix-sort';
import { closeness, loadGolden } from '../test/unit/stats/experiment/support/golden';

function ids(): void {
  const run = (f: () => string): number => {
    const N = 200_000;
    const times: number[] = [];
    for (let r = 0; r < 7; r++) {
      const used = new Set<string>();
      const started = process.hrtime.bigint();
      for (let i = 0; i < N; i++) used.add(f());
      times.push(Number(process.hrtime.bigint() - started) / N);
    }
    return times.sort((a, b) => a - b)[3]!;
  };
  for (let k = 0; k < 3; k++) {
    const a = run(uuidv7);
    const b = run(() => v7());
    console.log(
      `UUIDv7 as a Set key: own ${a.toFixed(0)} ns/id, uuid.v7 ${b.toFixed(0)} ns/id, ratio ${(b / a).toFixed(2)}`,
    );
  }
}

interface RequestMetrics {
  requests: { inc(): void };
  duration: { observe(value: number): void };
  predictions: { inc(): void };
  inference: { observe(value: number): void };
}

function metrics(): void {
  const router = createRouterMetrics();
  const ours: RequestMetrics = {
    requests: router.requests.labels('route', '200'),
    duration: router.requestDuration.labels('route'),
    predictions: router.predictions.labels('btc-1h', 'champion'),
    inference: router.inferenceDuration.labels(),
  };
  const registers = [new Registry()];
  const buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
  const promClient: RequestMetrics = {
    requests: new PromCounter({ name: 'a', help: 'a', labelNames: ['route', 'status'], registers }).labels(
      'route',
      '200',
    ),
    duration: new PromHistogram({ name: 'b', help: 'b', labelNames: ['route'], buckets, registers }).labels(
      'route',
    ),
    predictions: new PromCounter({
      name: 'c',
      help: 'c',
      labelNames: ['model', 'variant'],
      registers,
    }).labels('btc-1h', 'champion'),
    inference: new PromHistogram({ name: 'd', help: 'd', buckets, registers }).labels(),
  };
  const time = (m: RequestMetrics): number => {
    const N = 1_000_000;
    const times: number[] = [];
    for (let k = 0; k < 9; k++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < N; i++) {
        m.requests.inc();
        m.duration.observe((i & 1023) * 1e-6);
        m.predictions.inc();
        m.inference.observe((i & 511) * 1e-6);
      }
      times.push(Number(process.hrtime.bigint() - started) / N);
    }
    return times.sort((a, b) => a - b)[4]!;
  };
  for (let k = 0; k < 3; k++) {
    const a = time(ours);
    const b = time(promClient);
    console.log(
      `metrics per /v1/route request (2 increments, 2 observations): router children ${a.toFixed(0)} ns, prom-client's own ${b.toFixed(0)} ns`,
    );
  }
}

function sorting(): void {
  const N = 100_000;
  const data = Float64Array.from({ length: N }, () => Math.round(Math.random() * 1e6) / 100 - 5000);
  const time = (f: (a: Float64Array) => unknown): number => {
    const times: number[] = [];
    for (let r = 0; r < 41; r++) {
      const a = data.slice();
      const started = process.hrtime.bigint();
      f(a);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return times.sort((a, b) => a - b)[20]!;
  };
  for (let k = 0; k < 3; k++) {
    const radix = time(sortFloat64InPlace);
    const builtin = time((a) => a.sort());
    console.log(
      `100k doubles: radix ${radix.toFixed(2)} ms, Float64Array.sort ${builtin.toFixed(2)} ms, ratio ${(builtin / radix).toFixed(2)}`,
    );
  }
}
function specialFunctions(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const R = (m: string) => require(`@stdlib/${m}`) as (...a: unknown[]) => number;
  const gammaln = R('math-base-special-gammaln'),
    betainc = R('math-base-special-betainc'),
    gammainc = R('math-base-special-gammainc');
  const ncdf = R('stats-base-dists-normal-cdf'),
    nq = R('stats-base-dists-normal-quantile'),
    chicdf = R('stats-base-dists-chisquare-cdf');
  const tcdf = R('stats-base-dists-t-cdf'),
    tq = R('stats-base-dists-t-quantile'),
    bcdf = R('stats-base-dists-beta-cdf');
  const stdlib: Record<string, (...a: number[]) => number> = {
    normalCdf: (x) => ncdf(x, 0, 1),
    normalSf: (x) => ncdf(-x, 0, 1),
    normalQuantile: (p) => nq(p, 0, 1),
    logGamma: (x) => gammaln(x),
    regularizedGammaP: (a, x) => gammainc(x, a, true, false),
    regularizedGammaQ: (a, x) => gammainc(x, a, true, true),
    chiSquareCdf: (x, k) => chicdf(x, k),
    chiSquareSf: (x, k) => gammainc(x / 2, k / 2, true, true),
    regularizedIncompleteBeta: (x, a, b) => betainc(x, a, b, true, false),
    betaCdf: (x, a, b) => bcdf(x, a, b),
    studentTCdf: (t, v) => tcdf(t, v),
    studentTSf: (t, v) => tcdf(-t, v),
    studentTQuantile: (p, v) => tq(p, v),
  };
  const SPECIAL = { rel: 1e-12, abs: 1e-300, tiny: 1e-300 };
  const LOG_GAMMA = { rel: 1e-12, abs: 1e-16, tiny: 1e-4 };
  const golden = loadGolden('distributions.json');
  const ownF = own as unknown as Record<string, (...a: number[]) => number>;
  let totalFail = 0;
  for (const [fn, cases] of Object.entries(golden.cases)) {
    const tol = fn === 'logGamma' ? LOG_GAMMA : SPECIAL;
    let fail = 0;
    let worst = 0;
    let worstName = '';
    for (const c of cases) {
      const got = stdlib[fn]!(...(c.args as number[]));
      const r = closeness(got, c.expected as number, tol);
      if (!r.ok || Number.isNaN(got)) {
        fail++;
        if (r.error > worst || Number.isNaN(got)) {
          worst = r.error;
          worstName = `${c.name}(${c.args.join(',')}) got ${got} want ${c.expected}`;
        }
      }
    }
    totalFail += fail;
    // speed
    const args = cases.map((c) => c.args as number[]);
    const time = (f: (...a: number[]) => number) => {
      const ts: number[] = [];
      for (let r = 0; r < 15; r++) {
        const t = process.hrtime.bigint();
        for (let k = 0; k < 20; k++) for (const a of args) f(...a);
        ts.push(Number(process.hrtime.bigint() - t) / (20 * args.length));
      }
      ts.sort((x, y) => x - y);
      return ts[7]!;
    };
    const tOwn = time(ownF[fn]!),
      tStd = time(stdlib[fn]!);
    console.log(
      `${fn}: stdlib fails ${fail}/${cases.length} at the golden tolerance${fail ? `, worst ${worst.toExponential(1)} ${worstName}` : ''}; own ${tOwn.toFixed(0)} ns, stdlib ${tStd.toFixed(0)} ns per call`,
    );
  }
  console.log('total stdlib failures', totalFail);
}

metrics();
ids();
sorting();
const stdlibInstalled = (() => {
  try {
    return require.resolve('@stdlib/math-base-special-gammainc') !== '';
  } catch {
    return false;
  }
})();
if (stdlibInstalled) specialFunctions();
else console.log('@stdlib not installed: special functions skipped (see the Run line at the top)');
