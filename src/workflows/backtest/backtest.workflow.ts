import { defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { BacktestJobInput } from '../../activities/backtest.activities';
import type { BacktestReport } from '../../lifecycle/backtest/run-backtest';
import { LifecycleStateKey, ModelNameKey, TriggerKey } from '../../temporal/search-attributes';
import { PERMANENT_ERRORS } from '../activity-options';

/** Where the backtest stands: `running` until its activity returns. */
export const backtestStateQuery = defineQuery<'running' | 'completed' | 'failed'>('state');

// One activity for the whole walk: the bars and the models stay in the worker's memory, never in
// history; what survives a crash is the activity's heartbeat (the strategies already walked), from
// which the retry resumes. A heartbeat every 200 bars comes every few seconds even on hourly bars
// with gbdt; two minutes without one means the worker is gone.
const { runBacktestJob } = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...PERMANENT_ERRORS],
  },
});

/**
 * A lifecycle backtest as a durable job (`backtest:<symbol>:<timeframe>:<hash>`), visible in the UI
 * under its ModelName with LifecycleState backtesting → completed / failed and Trigger `backtest`.
 * Runs on its own task queue from its own bundle (src/workflows/backtest/index.ts), so the
 * long-lived lifecycle workflows' bundle is not touched by it.
 */
export async function backtestWorkflow(input: BacktestJobInput): Promise<BacktestReport> {
  let state: 'running' | 'completed' | 'failed' = 'running';
  setHandler(backtestStateQuery, () => state);
  upsertSearchAttributes([
    { key: ModelNameKey, value: input.options.model ?? 'backtest' },
    { key: TriggerKey, value: 'backtest' },
    { key: LifecycleStateKey, value: 'backtesting' },
  ]);
  try {
    const report = await runBacktestJob(input);
    state = 'completed';
    upsertSearchAttributes([{ key: LifecycleStateKey, value: 'completed' }]);
    return report;
  } catch (error) {
    state = 'failed';
    upsertSearchAttributes([{ key: LifecycleStateKey, value: 'failed' }]);
    throw error;
  }
}
