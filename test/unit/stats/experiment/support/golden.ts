import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One golden case as written by test/fixtures/stats-experiment/generate.py. */
export interface GoldenCase {
  name: string;
  args: unknown[];
  expected: unknown;
}

/** A generated fixture file: cases keyed by function name. */
export interface GoldenFile {
  specVersion: number;
  notes: string;
  cases: Record<string, GoldenCase[]>;
}

const FIXTURE_DIR = join(__dirname, '..', '..', '..', '..', 'fixtures', 'stats-experiment');

/** JSON has no ±Infinity, so the generator writes them as strings; turn them back into numbers. */
export function revive(value: unknown): unknown {
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

/** Reads and revives a generated fixture file by name. */
export function loadGolden(fileName: string): GoldenFile {
  const raw = JSON.parse(readFileSync(join(FIXTURE_DIR, fileName), 'utf8')) as GoldenFile;
  const cases: Record<string, GoldenCase[]> = {};
  for (const [fn, rows] of Object.entries(raw.cases)) {
    cases[fn] = rows.map((row) => ({
      name: row.name,
      args: revive(row.args) as unknown[],
      expected: revive(row.expected),
    }));
  }
  return { specVersion: raw.specVersion, notes: raw.notes, cases };
}

/** Relative tolerance, with an absolute floor for references whose magnitude is below `tiny`. */
export interface Tolerance {
  rel: number;
  /** Absolute tolerance used when |expected| < tiny. */
  abs: number;
  tiny: number;
}

/** Statistics (differences, z, t, χ², sample sizes): 1e-9 relative. */
export const STATISTIC: Tolerance = { rel: 1e-9, abs: 1e-12, tiny: 1e-12 };
/** p-values and probabilities: 1e-6 relative, 1e-12 absolute below 1e-8. */
export const PROBABILITY: Tolerance = { rel: 1e-6, abs: 1e-12, tiny: 1e-8 };

/** Relative error of `actual` against `expected`, or the absolute error in the `tiny` regime. */
export function closeness(actual: number, expected: number, tol: Tolerance): { ok: boolean; error: number } {
  if (Object.is(actual, expected) || actual === expected) return { ok: true, error: 0 };
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return { ok: false, error: Infinity };
  const diff = Math.abs(actual - expected);
  if (Math.abs(expected) < tol.tiny) return { ok: diff <= tol.abs, error: diff };
  const rel = diff / Math.abs(expected);
  return { ok: rel <= tol.rel, error: rel };
}

/** Asserts `actual` ≈ `expected` under `tol`, naming the field in the failure. */
export function assertClose(actual: number, expected: number, tol: Tolerance, field = 'value'): void {
  assert.equal(typeof actual, 'number', `${field}: expected a number, got ${String(actual)}`);
  assert.ok(!Number.isNaN(actual), `${field}: got NaN, expected ${expected}`);
  const { ok, error } = closeness(actual, expected, tol);
  assert.ok(ok, `${field}: got ${actual}, expected ${expected} (error ${error.toExponential(2)})`);
}
