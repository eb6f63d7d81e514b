// The pure ML core: synthetic market, features, trainers with ONNX export, scorers, validation
// metrics and gates. No I/O. The onnxruntime-backed scorer and infra check live in
// './onnx/onnx-scorer' and are not re-exported here, so importing the core never loads a native
// module.
export * from './errors';
export * from './fingerprint';
export * from './market/ohlcv-bar';
export * from './market/synthetic-market';
export * from './market/parse-ohlcv-csv';
export * from './features/feature-schema';
export * from './features/feature-matrix';
export * from './features/compute-features';
export * from './features/labelled-dataset';
export * from './training/trainer';
export * from './training/check-training-data';
export * from './training/train-model';
export * from './training/train-and-evaluate';
export * from './training/prepared-data-codec';
export * from './logistic/logistic-regression-model';
export * from './logistic/logistic-regression-trainer';
export * from './logistic/logistic-regression-onnx';
export * from './gbdt/histogram-binning';
export * from './gbdt/gbdt-model';
export * from './gbdt/gbdt-trainer';
export * from './gbdt/gbdt-onnx';
export * from './onnx/onnx-builder';
export * from './onnx/artifact-metadata';
export * from './onnx/inspect-onnx-model';
export * from './onnx/check-model-against-schema';
export * from './validation/check-predictions';
export * from './validation/auc';
export * from './validation/log-loss';
export * from './validation/brier-score';
export * from './validation/accuracy';
export * from './validation/regression-metrics';
export * from './validation/backtest-signals';
export * from './validation/time-split';
export * from './validation/evaluate-predictions';
export * from './validation/loss-difference-interval';
export * from './validation/gate-policy';
export * from './validation/evaluate-gate';
