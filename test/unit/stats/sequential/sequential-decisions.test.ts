import assert from 'node:assert/strict';
import { sequentialTest } from '../../../../src/stats';
import { createRng } from '../../../../src/stats/random';
import {
  alwaysValidDifference,
  createBoundedMeanConfidenceSequence,
  createPairedComparison,
  decidePairedComparison,
  dieboldMariano,
  periodWeightedDifference,
  plannedTau2,
  ratioMetricMoments,
  scoreDifference,
  scoreDifferenceBound,
  sequentialSrm,
} from '../../../../src/stats/sequential';
import { msprtHalfWidth } from '../../../../src/stats/experiment/sequential-test';
import { bartlettLongRunVariance, neweyWestVariance } from '../../../../src/stats/trading/newey-west';

describe('bounded-mean confidence sequence (empirical Bernstein, predictable plug-in)', () => {
  it('covers the mean at every look at once in at least 1 − α of iid runs', () => {
    const rng = createRng(1);
    let missed = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      const cs = createBoundedMeanConfidenceSequence({ lower: 0, upper: 1, alpha: 0.1 });
      let ever = false;
      for (let t = 0; t < 500; t++) {
        cs.push(rng.next() < 0.3 ? 1 : 0);
        const [lo, hi] = cs.state().interval;
        if (lo > 0.3 || hi < 0.3) ever = true;
      }
      if (ever) missed++;
    }
    assert.ok(missed / runs <= 0.1, `missed ${missed}/${runs}`);
  });

  it('covers the running average of conditional means when the mean drifts (no stationarity)', () => {
    const rng = createRng(2);
    let missed = 0;
    const runs = 100;
    for (let r = 0; r < runs; r++) {
      const cs = createBoundedMeanConfidenceSequence({ lower: -1, upper: 1, alpha: 0.1 });
      let sumMeans = 0;
      let ever = false;
      for (let t = 1; t <= 600; t++) {
        const mean = 0.5 * Math.sin(t / 50);
        sumMeans += mean;
        cs.push(Math.max(-1, Math.min(1, mean + 0.4 * (rng.next() - 0.5))));
        const [lo, hi] = cs.state().interval;
        if (lo > sumMeans / t || hi < sumMeans / t) ever = true;
      }
      if (ever) missed++;
    }
    assert.ok(missed / runs <= 0.1, `missed ${missed}/${runs}`);
  });

  it('narrows as observations accumulate and refuses values outside its bounds', () => {
    const cs = createBoundedMeanConfidenceSequence({ lower: -1, upper: 1 });
    const rng = createRng(3);
    const widths: number[] = [];
    for (let t = 1; t <= 4000; t++) {
      cs.push(Math.max(-1, Math.min(1, 0.2 * rng.normal())));
      if (t % 1000 === 0) widths.push(cs.state().interval[1] - cs.state().interval[0]);
    }
    for (let i = 1; i < widths.length; i++) assert.ok(widths[i]! < widths[i - 1]!);
    assert.throws(() => cs.push(1.5), /value: must be a finite number in \[-1, 1\]/);
  });
});

describe('scores and the paired comparison', () => {
  it('orients every score so that a better challenger gives δ > 0, within the stated bound', () => {
    assert.ok(
      Math.abs(scoreDifference('brier', { label: 1, champion: 0.6, challenger: 0.7 }) - 0.07) < 1e-12,
    );
    const log = scoreDifference('log', { label: 0, champion: 0.999, challenger: 0.001 });
    assert.ok(Math.abs(log - scoreDifferenceBound('log')) < 1e-12, 'clipped at ln(0.99/0.01)');
    assert.equal(scoreDifference('pnl', { champion: 0.4, challenger: 0.6, marketReturn: 0.2 }), 0.1);
    assert.throws(
      () => scoreDifference('pnl', { champion: 0.4, challenger: 0.6 }),
      /needs a finite market return/,
    );
  });

  it('promotes a better forecaster on the same bars and stays undecided on equal ones', () => {
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const run = (seed: number, noise: number) => {
      const rng = createRng(seed);
      const cmp = createPairedComparison({ score: 'brier' });
      for (let t = 0; t < 3000; t++) {
        const z = 1.5 * rng.normal();
        const y = rng.next() < sigmoid(z) ? 1 : 0;
        cmp.push({
          label: y,
          champion: sigmoid(z + rng.normal()),
          challenger: sigmoid(z + noise * rng.normal()),
        });
      }
      return cmp.state();
    };
    const better = run(4, 0.4);
    assert.equal(decidePairedComparison(better), 'promote');
    assert.ok(better.dieboldMariano!.pValue < 1e-3);
    const equal = run(5, 1);
    assert.equal(decidePairedComparison(equal), 'continue');
    assert.equal(decidePairedComparison(better, 10_000), 'continue', 'minBars holds the decision');
  });
});

describe('Diebold–Mariano', () => {
  it('is the HLN-corrected mean over the Newey–West standard error', () => {
    const d = [0.1, -0.05, 0.2, 0.02, 0.08, -0.01, 0.12, 0.04, 0.0, 0.06];
    const r = dieboldMariano(d);
    const n = d.length;
    const mean = d.reduce((a, b) => a + b, 0) / n;
    const se = Math.sqrt(neweyWestVariance(d, r.lags) / n);
    const hln = Math.sqrt((n + 1 - 2 + 0) / n);
    assert.ok(Math.abs(r.statistic - (hln * mean) / se) < 1e-12);
    assert.ok(r.pValue > 0 && r.pValue < 0.05);
  });
});

describe('sequential SRM (Dirichlet–multinomial Bayes factor)', () => {
  it('rarely holds A/A unit counts however often it is looked at', () => {
    const rng = createRng(6);
    let held = 0;
    for (let r = 0; r < 300; r++) {
      const counts = [0, 0];
      for (let look = 0; look < 50; look++) {
        for (let i = 0; i < 100; i++) counts[rng.next() < 0.5 ? 0 : 1]!++;
        if (sequentialSrm([{ counts, weights: [0.5, 0.5] }]).pValue < 0.001) {
          held++;
          break;
        }
      }
    }
    assert.ok(held <= 2, `held ${held}/300`);
  });

  it('checks each allocation epoch against the weights actually served', () => {
    const epochs = [
      { counts: [500, 500], weights: [0.5, 0.5] },
      { counts: [100, 900], weights: [0.1, 0.9] },
    ];
    assert.ok(sequentialSrm(epochs).pValue > 0.05, 'traffic that followed the served weights');
    assert.ok(
      sequentialSrm([epochs[0]!, { counts: [100, 900], weights: [0.5, 0.5] }]).pValue < 1e-6,
      'the same counts against configured 50/50 would be a mismatch',
    );
  });
});

describe('delta-method ratio metric', () => {
  it('equals the cluster-robust variance of a per-event mean clustered by unit', () => {
    const rng = createRng(7);
    const units = Array.from({ length: 50 }, () => {
      const n = 1 + Math.floor(rng.next() * 20);
      const p = 0.3 + 0.4 * rng.next();
      let y = 0;
      for (let i = 0; i < n; i++) y += rng.next() < p ? 1 : 0;
      return { y, n };
    });
    const sums = units.reduce(
      (s, u) => ({
        units: s.units + 1,
        sumY: s.sumY + u.y,
        sumN: s.sumN + u.n,
        sumYY: s.sumYY + u.y * u.y,
        sumNN: s.sumNN + u.n * u.n,
        sumYN: s.sumYN + u.y * u.n,
      }),
      { units: 0, sumY: 0, sumN: 0, sumYY: 0, sumNN: 0, sumYN: 0 },
    );
    const m = ratioMetricMoments(sums);
    const ratio = sums.sumY / sums.sumN;
    // Cluster-robust (CR1-like with n − 1): Σ (yᵢ − m nᵢ)² / (n − 1) / N̄² / n.
    const meanN = sums.sumN / units.length;
    const brute =
      units.reduce((s, u) => s + (u.y - ratio * u.n) ** 2, 0) /
      (units.length - 1) /
      meanN ** 2 /
      units.length;
    assert.ok(Math.abs(m.variance / m.n - brute) / brute < 1e-9);
  });
});

describe('period-weighted difference with Newey–West variance', () => {
  it('removes the bias of allocation that moves with the base rate (bandits)', () => {
    // Base rate 0.6 then 0.5; the treatment gets 10% of traffic first, 90% later: A/A, but pooled
    // means differ by about 0.08.
    const periods = [];
    let pooled = { c: 0, cn: 0, t: 0, tn: 0 };
    for (let p = 0; p < 100; p++) {
      const rate = p < 50 ? 0.6 : 0.5;
      const share = p < 50 ? 0.1 : 0.9;
      const tn = 1000 * share;
      const cn = 1000 - tn;
      periods.push({ control: { n: cn, sum: cn * rate }, treatment: { n: tn, sum: tn * rate } });
      pooled = { c: pooled.c + cn * rate, cn: pooled.cn + cn, t: pooled.t + tn * rate, tn: pooled.tn + tn };
    }
    assert.ok(Math.abs(pooled.t / pooled.tn - pooled.c / pooled.cn) > 0.07);
    assert.ok(Math.abs(periodWeightedDifference(periods).diff) < 1e-12);
  });

  it('widens for positively autocorrelated period contrasts', () => {
    const rng = createRng(8);
    const make = (phi: number) => {
      let x = 0;
      return Array.from({ length: 400 }, () => {
        x = phi * x + rng.normal();
        return { control: { n: 10, sum: 0 }, treatment: { n: 10, sum: 10 * x } };
      });
    };
    const iid = periodWeightedDifference(make(0));
    const ar = periodWeightedDifference(make(0.6));
    assert.ok(ar.variance > 2 * iid.variance, `${ar.variance} vs ${iid.variance}`);
  });

  it('bartlettLongRunVariance is Newey–West on an already-centred series', () => {
    const x = [1, -2, 0.5, 0.5, 3, -3];
    assert.ok(Math.abs(bartlettLongRunVariance(x, 2) - neweyWestVariance(x, 2)) < 1e-12);
  });
});

describe('always-valid difference with a fixed τ²', () => {
  it('is the mSPRT of the statistics core when V is the two-sample variance', () => {
    const c = { n: 500, mean: 0, variance: 1 };
    const t = { n: 500, mean: 0.2, variance: 1 };
    const core = sequentialTest(c, t, { tau2: 0.01 });
    const ours = alwaysValidDifference({ diff: 0.2, variance: 2 / 500, tau2: 0.01 });
    assert.ok(Math.abs(core.pValue - ours.pValue) < 1e-12);
    assert.deepEqual(core.ci, ours.ci);
  });

  it('plans τ² so that the interval is narrowest at the fixed-horizon variance for the MDE', () => {
    const tau2 = plannedTau2({ mde: 0.05 });
    const vStar = (0.05 / (1.959963984540054 + 0.8416212335729143)) ** 2;
    const w = (x: number) => msprtHalfWidth(vStar, x, 0.05);
    assert.ok(w(tau2) <= w(tau2 * 0.8) && w(tau2) <= w(tau2 * 1.25));
  });
});

describe('TSDoc examples of src/stats/sequential', () => {
  it('print what the code returns (to the precision quoted)', () => {
    const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
    const cs = createBoundedMeanConfidenceSequence({ lower: -1, upper: 1 });
    for (let i = 0; i < 1000; i++) cs.push(i % 2 === 0 ? 0.3 : -0.1);
    close(cs.state().interval[0], 0.0714, 1e-4);
    close(cs.state().interval[1], 0.1286, 1e-4);
    close(dieboldMariano([0.1, -0.05, 0.2, 0.02, 0.08, -0.01, 0.12, 0.04]).pValue, 0.00385, 1e-5);
    close(sequentialSrm([{ counts: [5000, 5600], weights: [0.5, 0.5] }]).pValue, 0.00023, 1e-5);
    assert.equal(sequentialSrm([{ counts: [5000, 5000], weights: [0.5, 0.5] }]).pValue, 1);
    close(alwaysValidDifference({ diff: 0.2, variance: 0.004, tau2: 0.01 }).pValue, 0.0526, 1e-4);
    close(plannedTau2({ mde: 0.05 }), 0.002616, 1e-6);
    assert.equal(bartlettLongRunVariance([1, -1, 1, -1], 1), 0.25);
    close(
      periodWeightedDifference([
        { control: { n: 10, sum: 5 }, treatment: { n: 10, sum: 6 } },
        { control: { n: 10, sum: 4 }, treatment: { n: 10, sum: 4 } },
      ]).diff,
      0.05,
      1e-12,
    );
    assert.deepEqual(ratioMetricMoments({ units: 2, sumY: 4, sumN: 8, sumYY: 10, sumNN: 32, sumYN: 16 }), {
      n: 2,
      mean: 0.5,
      variance: 0.125,
    });
  });
});
