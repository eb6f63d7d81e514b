// Throughput of the special functions and tests on representative arguments
// (run: npx ts-node bench/stats-experiment-distributions.bench.ts). Prints ns per call.
import {
  chiSquareSf,
  normalCdf,
  normalQuantile,
  probabilityToBeatControl,
  regularizedIncompleteBeta,
  sequentialTest,
  studentTQuantile,
  studentTSf,
  twoProportionZTest,
  welchTTest,
} from '../src/stats';

function time(label: string, calls: number, fn: (i: number) => number): void {
  let sink = 0;
  for (let i = 0; i < Math.min(calls, 1000); i++) sink += fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += fn(i);
  const ns = Number(process.hrtime.bigint() - start) / calls;
  console.log(
    `${label.padEnd(48)} ${ns.toFixed(0).padStart(8)} ns/call${Number.isNaN(sink) ? ' (NaN!)' : ''}`,
  );
}

time('normalCdf (centre and tails)', 1_000_000, (i) => normalCdf(((i % 800) - 400) / 10));
time('normalQuantile', 200_000, (i) => normalQuantile(((i % 999) + 1) / 1000));
time('studentTSf, df 10', 200_000, (i) => studentTSf((i % 100) / 10, 10));
time('studentTSf, df 2e5 (Welch with 1e5 per arm)', 200_000, (i) => studentTSf((i % 100) / 10, 2e5));
time('studentTQuantile 0.975, varying df', 20_000, (i) => studentTQuantile(0.975, 2 + (i % 1000)));
time('chiSquareSf, df 1..5', 200_000, (i) => chiSquareSf((i % 300) / 10, 1 + (i % 5)));
time('regularizedIncompleteBeta, a = b = 1e4', 100_000, (i) =>
  regularizedIncompleteBeta(0.49 + (i % 20) / 1000, 1e4, 1e4),
);
time(
  'twoProportionZTest',
  200_000,
  (i) =>
    twoProportionZTest({ successes: 500 + (i % 50), trials: 1000 }, { successes: 520, trials: 1000 }).pValue,
);
time(
  'welchTTest (n = 1e5 per arm)',
  50_000,
  (i) =>
    welchTTest({ n: 1e5, mean: 0, variance: 1 }, { n: 1e5, mean: (i % 10) / 1000, variance: 1.1 }).pValue,
);
time(
  'sequentialTest',
  500_000,
  (i) =>
    sequentialTest({ n: 1000 + i, mean: 0, variance: 1 }, { n: 1000 + i, mean: 0.01, variance: 1 }).pValue,
);
time('probabilityToBeatControl, 1e4 trials per arm', 2_000, (i) =>
  probabilityToBeatControl(
    { successes: 1000 + (i % 10), trials: 10_000 },
    { successes: 1040, trials: 10_000 },
  ),
);
