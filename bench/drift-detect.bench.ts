// Cost of a drift check: 32 numeric features × 100,000 current rows against stored profiles (fitted
// from 100,000 reference rows each), and the same KS + Wasserstein + PSI work done by scipy/numpy in
// bench/drift_scipy.py on the same data, read from one temp binary file. Run:
//   npx ts-node bench/drift-detect.bench.ts [runs]
// Python is optional: without numpy/scipy the script says so and reports the TypeScript side only.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRng,
  detectDrift,
  fitReferenceProfile,
  ksTwoSample,
  normalizedWasserstein,
  psi,
  type DriftMethod,
  type ReferenceProfile,
} from '../src/stats';

const FEATURES = 32;
const ROWS = 100_000;
const RUNS = Number(process.argv[2] ?? 7);
const BUDGET_MS = 500;

interface Timing {
  label: string;
  medianMs: number;
  minMs: number;
}

/** Median and minimum wall time of `runs` calls after one warm-up call. */
function time(label: string, runs: number, fn: () => unknown): Timing {
  fn();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { label, medianMs: ms[Math.floor(ms.length / 2)]!, minMs: ms[0]! };
}

/** Feature f: a mix of shapes (normal, rounded with ties, skewed) and shifts (about half drift). */
function makeColumns(seed: number, shifted: boolean): Float64Array[] {
  const rng = createRng(seed);
  const columns: Float64Array[] = [];
  for (let f = 0; f < FEATURES; f++) {
    const column = new Float64Array(ROWS);
    const shift = shifted ? (f % 2) * 0.02 * f : 0;
    for (let i = 0; i < ROWS; i++) {
      const z = rng.normal() + shift;
      column[i] = f % 4 === 1 ? Math.round(z * 4) / 4 : f % 4 === 2 ? Math.exp(z / 2) : 100 + 15 * z;
    }
    columns.push(column);
  }
  return columns;
}

/** Layout read by drift_scipy.py: header [features, rows] as float64, then reference and current columns. */
function writeData(path: string, reference: Float64Array[], current: Float64Array[]): void {
  const out = new Float64Array(2 + 2 * FEATURES * ROWS);
  out[0] = FEATURES;
  out[1] = ROWS;
  reference.forEach((column, f) => out.set(column, 2 + f * ROWS));
  current.forEach((column, f) => out.set(column, 2 + (FEATURES + f) * ROWS));
  writeFileSync(path, new Uint8Array(out.buffer));
}

interface ScipyReport {
  medianMs: number;
  minMs: number;
  features: Array<{ ks: number; ksP: number; wasserstein: number; psi: number }>;
  versions: Record<string, string>;
}

function runScipy(dataPath: string): ScipyReport | string {
  const script = join(__dirname, 'drift_scipy.py');
  const result = spawnSync('python3', [script, dataPath, String(RUNS)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (result.error) return `python3 could not be started (${result.error.message})`;
  if (result.status === 3) return result.stdout.trim() || 'numpy/scipy are not installed';
  if (result.status !== 0) return `drift_scipy.py failed (exit ${result.status}): ${result.stderr.trim()}`;
  return JSON.parse(result.stdout) as ScipyReport;
}

function main(): void {
  console.log(
    `drift-detect: ${FEATURES} numeric features × ${ROWS.toLocaleString('en')} rows, ${RUNS} timed runs`,
  );
  const reference = makeColumns(1, false);
  const current = makeColumns(2, true);
  const names = reference.map((_, f) => `f${f}`);
  const columns = Object.fromEntries(names.map((name, f) => [name, current[f]!]));

  let profiles: Record<string, ReferenceProfile> = {};
  const fit = time('fitReferenceProfile × 32 (100,000 rows each)', 3, () => {
    profiles = Object.fromEntries(names.map((name, f) => [name, fitReferenceProfile(reference[f]!)]));
  });
  const profileBytes = JSON.stringify(profiles).length;
  const overrideAll = (method: DriftMethod) => ({
    methods: Object.fromEntries(names.map((n) => [n, method])),
  });

  const timings: Timing[] = [fit];
  let report = detectDrift(profiles, columns);
  timings.push(
    time(
      'detectDrift, default policy (normalised Wasserstein)',
      RUNS,
      () => (report = detectDrift(profiles, columns)),
    ),
  );
  const profileTriple = time('KS + Wasserstein + PSI vs profiles (3 detectDrift calls)', RUNS, () => {
    for (const method of ['ks', 'wasserstein', 'psi'] as const)
      detectDrift(profiles, columns, overrideAll(method));
  });
  timings.push(profileTriple);
  const rawResults: Array<{ ks: number; ksP: number; wasserstein: number; psi: number }> = [];
  const rawTriple = time('KS + Wasserstein + PSI on raw reference rows', RUNS, () => {
    rawResults.length = 0;
    for (let f = 0; f < FEATURES; f++) {
      const ks = ksTwoSample(reference[f]!, current[f]!);
      rawResults.push({
        ks: ks.statistic,
        ksP: ks.pValue,
        wasserstein: normalizedWasserstein(reference[f]!, current[f]!),
        psi: psi(reference[f]!, current[f]!),
      });
    }
  });
  timings.push(rawTriple);

  for (const t of timings)
    console.log(`  TS  ${t.label}: median ${t.medianMs.toFixed(1)} ms (min ${t.minMs.toFixed(1)})`);
  const detect = timings[1]!;
  console.log(
    `  detectDrift budget ${BUDGET_MS} ms: ${detect.medianMs <= BUDGET_MS ? 'met' : 'MISSED'}; ` +
      `${report.driftedCount}/${report.testedCount} features drifted; profiles ${(profileBytes / 1024).toFixed(0)} KiB as JSON`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  try {
    const dataPath = join(dir, 'columns.f64');
    writeData(dataPath, reference, current);
    const scipy = runScipy(dataPath);
    if (typeof scipy === 'string') {
      console.log(`  scipy side skipped: ${scipy}`);
      return;
    }
    const versions = Object.entries(scipy.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `  PY  KS + Wasserstein + PSI on raw reference rows (${versions}): median ${scipy.medianMs.toFixed(1)} ms (min ${scipy.minMs.toFixed(1)})`,
    );
    console.log(
      `  ratio scipy ÷ TS, same work on raw rows: ${(scipy.medianMs / rawTriple.medianMs).toFixed(2)}×`,
    );
    console.log(
      `  ratio scipy ÷ TS detectDrift vs profiles (KS + W + PSI): ${(scipy.medianMs / profileTriple.medianMs).toFixed(2)}×`,
    );
    console.log(
      `  ratio scipy ÷ TS detectDrift default policy: ${(scipy.medianMs / detect.medianMs).toFixed(2)}×`,
    );
    // The two sides computed the same statistics on the same doubles; show how far apart they are
    // (p-values below 1e-8 by absolute difference, as the golden tests do).
    let worstStatistic = 0;
    let worstP = 0;
    scipy.features.forEach((py, f) => {
      const ts = rawResults[f]!;
      for (const key of ['ks', 'wasserstein', 'psi'] as const) {
        worstStatistic = Math.max(
          worstStatistic,
          Math.abs(ts[key] - py[key]) / Math.max(Math.abs(py[key]), 1e-300),
        );
      }
      const dp = Math.abs(ts.ksP - py.ksP);
      worstP = Math.max(worstP, py.ksP < 1e-8 ? dp : dp / py.ksP);
    });
    console.log(
      `  TS vs scipy on the same rows: statistics within ${worstStatistic.toExponential(2)} relative, ` +
        `KS p-values within ${worstP.toExponential(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
