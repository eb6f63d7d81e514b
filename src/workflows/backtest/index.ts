// The backtest worker bundles this file: a short-lived job kept out of the lifecycle workflows'
// bundle (src/workflows/index.ts) and its versioning manifest, on a task queue of its own.
export { backtestWorkflow } from './backtest.workflow';
