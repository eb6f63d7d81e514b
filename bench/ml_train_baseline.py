#!/usr/bin/env python3
"""LightGBM / scikit-learn side of bench/ml-train.bench.ts.

    python3 bench/ml_train_baseline.py DATA_FILE [RUNS] [WARMUP]

DATA_FILE holds float64 values: [train rows, cols, test rows], then the train matrix (row-major),
the train labels, the test matrix and the test labels. It trains what the TypeScript side trains,
with the same hyper-parameters, on one thread:

- LightGBM: 100 depth-4 trees (at most 16 leaves), 64 bins, min 20 rows and 1e-3 hessian per
  leaf, L2 1 on leaves, learning rate 0.1, 80% row bagging every tree, fit on the first 80% of
  the rows with the last 20% as the evaluated validation fold (as our trainer does by default);
  the time includes building the binned Dataset, as ours includes binning.
- scikit-learn: StandardScaler + LogisticRegression(lbfgs) with C = 1 / (n · l2), which is our
  objective mean log-loss + l2/2·‖w‖² on standardized features (l2 = 0.001).

Prints one JSON object: per trainer the wall and CPU times of RUNS runs (after WARMUP warm-up runs, default 1) and
the holdout AUC. The TS bench starts it with OMP/OpenBLAS/MKL limited to one thread, so both sides
run on one core. Exits with status 3 and a message when numpy, lightgbm or scikit-learn is missing.
"""

import json
import sys
import time

try:
    import numpy as np
    import lightgbm as lgb
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler
except ImportError as error:  # the TS bench reports this and skips the Python side
    print(f"numpy/lightgbm/scikit-learn are not installed ({error}); pip install lightgbm scikit-learn")
    sys.exit(3)

L2 = 0.001


def load(path):
    raw = np.fromfile(path, dtype="<f8")
    n, cols, m = (int(v) for v in raw[:3])
    at = 3
    x = raw[at : at + n * cols].reshape(n, cols)
    at += n * cols
    y = raw[at : at + n]
    at += n
    tx = raw[at : at + m * cols].reshape(m, cols)
    at += m * cols
    ty = raw[at : at + m]
    return x, y, tx, ty


def train_lightgbm(x, y):
    fit = int(round(len(y) * 0.8))
    params = {
        "objective": "binary",
        "num_threads": 1,
        "learning_rate": 0.1,
        "max_depth": 4,
        "num_leaves": 16,
        "max_bin": 64,
        "min_data_in_leaf": 20,
        "min_sum_hessian_in_leaf": 1e-3,
        "lambda_l2": 1.0,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "seed": 1,
        "deterministic": True,
        "verbose": -1,
    }
    train = lgb.Dataset(x[:fit], label=y[:fit], params={"max_bin": 64, "verbose": -1})
    valid = lgb.Dataset(x[fit:], label=y[fit:], reference=train)
    return lgb.train(params, train, num_boost_round=100, valid_sets=[valid])


def train_logistic(x, y):
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(solver="lbfgs", C=1 / (len(y) * L2), max_iter=1000, tol=1e-6)
    model.fit(scaler.transform(x), y)
    return lambda rows: model.predict_proba(scaler.transform(rows))[:, 1]


def timed(fn, runs, warmup):
    """Wall and CPU seconds (this process, all threads) of `runs` calls after `warmup` calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    result = None
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"wall": wall, "cpu": cpu}, result


def main():
    x, y, tx, ty = load(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    gbdt_s, booster = timed(lambda: train_lightgbm(x, y), runs, warmup)
    logreg_s, predict = timed(lambda: train_logistic(x, y), runs, warmup)
    print(
        json.dumps(
            {
                "gbdt": {"seconds": gbdt_s, "auc": roc_auc_score(ty, booster.predict(tx))},
                "logistic": {"seconds": logreg_s, "auc": roc_auc_score(ty, predict(tx))},
                "versions": {
                    "lightgbm": lgb.__version__,
                    "scikit-learn": sklearn.__version__,
                    "numpy": np.__version__,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
