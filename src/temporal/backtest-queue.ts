/**
 * The task queue backtests run on, beside a deployment's main one: a backtest is hours of CPU in
 * one activity, and its workflow comes from a bundle of its own (src/workflows/backtest).
 *
 * ### Examples
 * ```ts
 * backtestTaskQueue('galfriday'); // 'galfriday-backtest'
 * ```
 */
export function backtestTaskQueue(mainTaskQueue: string): string {
  return `${mainTaskQueue}-backtest`;
}
