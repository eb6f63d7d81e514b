import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chiSquareTest,
  detectDrift,
  fitReferenceProfile,
  type DriftPolicy,
  type ReferenceProfile,
  jensenShannonDistance,
  kolmogorovSf,
  ksTwoSample,
  kstwoSf,
  normalizedWasserstein,
  psi,
  smirnovSf,
  wassersteinDistance,
} from '../../../../src/stats';
import { realize, type SampleSpec } from './sample-spec';

// Golden vectors from scipy/numpy (test/fixtures/stats-drift/generate.py). Statistics must agree to
// 1e-9 relative, p-values to 1e-6 relative, or 1e-12 absolute when the expected p-value is below 1e-8.
const STATISTIC_RTOL = 1e-9;
const STATISTIC_ATOL = 1e-15;
const P_RTOL = 1e-6;
const P_ATOL_BELOW_1E8 = 1e-12;

type Case = [name: string, ...rest: unknown[]];
interface Cases {
  specVersion: number;
  [fn: string]: unknown;
}
const cases = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/stats-drift/cases.json'), 'utf8'),
) as Cases;

/** Largest observed error per function and kind, printed after the run for the report. */
const worst = new Map<string, number>();

function closeStatistic(fn: string, actual: number, expected: number): void {
  const error = Math.abs(actual - expected);
  const bound = STATISTIC_RTOL * Math.abs(expected) + STATISTIC_ATOL;
  record(`${fn} statistic`, expected === 0 ? error : error / Math.abs(expected));
  assert.ok(error <= bound, `statistic ${actual} vs scipy ${expected} (|Δ| = ${error}, allowed ${bound})`);
}

function closePValue(fn: string, actual: number, expected: number): void {
  const error = Math.abs(actual - expected);
  const bound = expected < 1e-8 ? Math.max(P_ATOL_BELOW_1E8, P_RTOL * expected) : P_RTOL * expected;
  // Subnormal expectations carry a few significant bits only; they are held to the absolute bound.
  if (expected >= 2.2250738585072014e-308) record(`${fn} p-value`, error / expected);
  assert.ok(error <= bound, `p-value ${actual} vs scipy ${expected} (|Δ| = ${error}, allowed ${bound})`);
}

function record(key: string, relative: number): void {
  if (!Number.isFinite(relative)) return;
  worst.set(key, Math.max(worst.get(key) ?? 0, relative));
}

function table(fn: string, minimum = 200): Case[] {
  const rows = cases[fn];
  assert.ok(Array.isArray(rows) && rows.length >= minimum, `${fn}: at least ${minimum} golden cases`);
  return rows as Case[];
}

describe('drift golden vectors (scipy)', () => {
  it('fixture has the spec version this harness reads', () => assert.equal(cases.specVersion, 1));

  describe('ksTwoSample', () => {
    table('ksTwoSample').forEach(([name, ref, cur, expected], i) => {
      it(`ksTwoSample[${i}] ${name}`, () => {
        const e = expected as { statistic: number; pValue: number };
        const r = ksTwoSample(realize(ref as SampleSpec), realize(cur as SampleSpec));
        closeStatistic('ksTwoSample', r.statistic, e.statistic);
        closePValue('ksTwoSample', r.pValue, e.pValue);
      });
    });
  });

  describe('wassersteinDistance', () => {
    table('wassersteinDistance').forEach(([name, ref, cur, expected], i) => {
      it(`wassersteinDistance[${i}] ${name}`, () => {
        const actual = wassersteinDistance(realize(ref as SampleSpec), realize(cur as SampleSpec));
        closeStatistic('wassersteinDistance', actual, expected as number);
      });
    });
  });

  describe('normalizedWasserstein', () => {
    table('normalizedWasserstein').forEach(([name, ref, cur, expected], i) => {
      it(`normalizedWasserstein[${i}] ${name}`, () => {
        const actual = normalizedWasserstein(realize(ref as SampleSpec), realize(cur as SampleSpec));
        closeStatistic('normalizedWasserstein', actual, expected as number);
      });
    });
  });

  describe('psi', () => {
    table('psi').forEach(([name, ref, cur, options, expected], i) => {
      it(`psi[${i}] ${name}`, () => {
        const actual = psi(
          realize(ref as SampleSpec),
          realize(cur as SampleSpec),
          options as { bins: number },
        );
        closeStatistic('psi', actual, expected as number);
      });
    });
  });

  describe('jensenShannonDistance', () => {
    table('jensenShannonDistance').forEach(([name, p, q, options, expected], i) => {
      it(`jensenShannonDistance[${i}] ${name}`, () => {
        const actual = jensenShannonDistance(p as number[], q as number[], options as { base: number });
        closeStatistic('jensenShannonDistance', actual, expected as number);
      });
    });
  });

  describe('chiSquareTest', () => {
    table('chiSquareTest').forEach(([name, ref, cur, expected], i) => {
      it(`chiSquareTest[${i}] ${name}`, () => {
        const e = expected as { statistic: number; df: number; pValue: number };
        const r = chiSquareTest(ref as number[], cur as number[]);
        assert.equal(r.df, e.df);
        closeStatistic('chiSquareTest', r.statistic, e.statistic);
        closePValue('chiSquareTest', r.pValue, e.pValue);
      });
    });
  });

  describe('kstwoSf', () => {
    table('kstwoSf').forEach(([name, n, x, expected], i) => {
      it(`kstwoSf[${i}] ${name}`, () =>
        closePValue('kstwoSf', kstwoSf(n as number, x as number), expected as number));
    });
  });

  describe('kolmogorovSf', () => {
    table('kolmogorovSf').forEach(([name, x, expected], i) => {
      it(`kolmogorovSf[${i}] ${name}`, () =>
        closePValue('kolmogorovSf', kolmogorovSf(x as number), expected as number));
    });
  });

  describe('smirnovSf', () => {
    table('smirnovSf').forEach(([name, n, x, expected], i) => {
      it(`smirnovSf[${i}] ${name}`, () =>
        closePValue('smirnovSf', smirnovSf(n as number, x as number), expected as number));
    });
  });

  describe('detectDrift', () => {
    interface FeatureCase {
      name: string;
      type: 'numeric' | 'categorical';
      ref: SampleSpec;
      cur: SampleSpec;
      override?: boolean;
      expected: {
        method: string;
        statistic?: number;
        pValue?: number;
        adjustedPValue?: number;
        score?: number;
        drifted: boolean;
      };
    }
    table('detectDrift', 20).forEach(([name, features, expected], i) => {
      it(`detectDrift[${i}] ${name}`, () => {
        const profiles: Record<string, ReferenceProfile> = {};
        const current: Record<string, number[]> = {};
        // scipy's tests are iid: compare with the iid KS p-value.
        const policy: DriftPolicy = { methods: {}, effectiveSampleSize: false };
        for (const f of features as FeatureCase[]) {
          // Categorical fixtures use floor(value) as the label.
          const label = (x: number) => (f.type === 'categorical' ? Math.floor(x) : x);
          profiles[f.name] = fitReferenceProfile(Array.from(realize(f.ref), label), { type: f.type });
          current[f.name] = Array.from(realize(f.cur), label);
          if (f.override) policy.methods![f.name] = f.expected.method as 'psi';
        }
        const report = detectDrift(profiles, current, policy);
        const e = expected as { share: number; drifted: boolean };
        assert.equal(report.share, e.share);
        assert.equal(report.drifted, e.drifted);
        for (const f of features as FeatureCase[]) {
          const got = report.features.find((x) => x.name === f.name)!;
          assert.equal(got.method, f.expected.method, f.name);
          if (f.expected.pValue !== undefined) {
            closeStatistic('detectDrift', got.statistic, f.expected.statistic!);
            closePValue('detectDrift', got.pValue!, f.expected.pValue);
            closePValue('detectDrift', got.adjustedPValue!, f.expected.adjustedPValue!);
          } else {
            closeStatistic('detectDrift', got.score!, f.expected.score!);
          }
          assert.equal(got.drifted, f.expected.drifted, `${f.name} drifted`);
        }
      });
    });
  });

  after(() => {
    if (process.env.DRIFT_GOLDEN_REPORT) {
      for (const [key, value] of [...worst].sort()) console.log(`  worst ${key}: ${value.toExponential(2)}`);
    }
  });
});
