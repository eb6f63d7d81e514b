#!/usr/bin/env python3
"""scipy/numpy side of bench/drift-detect.bench.ts.

    python3 bench/drift_scipy.py DATA_FILE [RUNS]

DATA_FILE holds float64 values: [features, rows], then `features` reference columns and `features`
current columns of `rows` values each. For every feature it computes what the TypeScript side computes
on raw rows: scipy.stats.ks_2samp (method='auto'), Evidently's normalised Wasserstein
(wasserstein_distance / max(np.std(ref), 0.001)) and quantile-binned PSI (10 bins, as
src/stats/drift/psi.ts). Prints one JSON object: median/min wall time over RUNS runs (after one
warm-up) and the per-feature results. Exits with status 3 and a message when numpy/scipy are missing.
"""

import json
import sys
import time

try:
    import numpy as np
    import scipy
    from scipy import stats
except ImportError as error:  # the TS bench reports this and skips the Python side
    print(f"numpy/scipy are not installed ({error}); pip install numpy scipy")
    sys.exit(3)


def psi(ref, cur, bins=10):
    q = np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1]
    edges = np.unique(q)
    rc = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    r = np.where(rc == 0, 1e-4, rc / len(ref))
    c = np.where(cc == 0, 1e-4, cc / len(cur))
    return float(np.sum((c - r) * np.log(c / r)))


def run(reference, current):
    out = []
    for ref, cur in zip(reference, current):
        ks = stats.ks_2samp(ref, cur)
        w = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
        out.append({"ks": float(ks.statistic), "ksP": float(ks.pvalue), "wasserstein": float(w), "psi": psi(ref, cur)})
    return out


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    data = np.fromfile(path, dtype="<f8")
    features, rows = int(data[0]), int(data[1])
    columns = data[2:].reshape(2 * features, rows)
    reference, current = columns[:features], columns[features:]
    results = run(reference, current)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(reference, current)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({
        "medianMs": times[len(times) // 2],
        "minMs": times[0],
        "features": results,
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
    }))


if __name__ == "__main__":
    main()
