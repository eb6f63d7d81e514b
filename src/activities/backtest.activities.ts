import { Context } from '@temporalio/activity';
import {
  assembleReport,
  prepareBacktest,
  summariseWalk,
  walkStrategyAsync,
  type BacktestOptions,
  type BacktestReport,
  type StrategyReport,
} from '../lifecycle/backtest/run-backtest';
import { loadModelBars } from '../lifecycle/model-pipeline';
import type { InfraCheckInput } from '../ml';
import { classifyErrors, permanentFailure } from './activity-errors';
import type { ActivityDeps } from './activity-deps';

/** What the backtest activity heartbeats: enough to resume after a crash, and the CLI's progress bar. */
export interface BacktestHeartbeat {
  /** Strategies walked and summarised so far: a retry does not walk them again. */
  completed: StrategyReport[];
  /** The gate's infra measurement of the first attempt, so that a retry decides the same. */
  infra: InfraCheckInput;
  progress: { done: number; total: number; stage: string };
}

export interface BacktestJobInput {
  options: BacktestOptions;
  from?: string;
  to?: string;
}

export function createBacktestActivities({ db }: ActivityDeps) {
  return {
    /**
     * Runs a whole backtest over the stored bars, heartbeating after every few hundred bars. A retry
     * (after a worker crash) takes the completed strategies and the infra measurement from the last
     * heartbeat and walks only the rest: each strategy is deterministic, so the report is the one an
     * uninterrupted run gives.
     */
    async runBacktestJob(input: BacktestJobInput): Promise<BacktestReport> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as BacktestHeartbeat | undefined;
      const { options } = input;
      const bars = await classifyErrors(() =>
        loadModelBars(
          db,
          { name: options.symbol, symbol: options.symbol, timeframe: options.timeframe },
          {
            ...(input.from ? { from: new Date(input.from) } : {}),
            ...(input.to ? { to: new Date(input.to) } : {}),
          },
        ),
      );
      if (bars.length === 0)
        throw permanentFailure(`no ${options.symbol} ${options.timeframe} bars stored in the window`);
      const prepared = await classifyErrors(() =>
        prepareBacktest(bars, { ...options, ...(resumed ? { infra: resumed.infra } : {}) }),
      );
      const completed = [...(resumed?.completed ?? [])];
      const perStrategy = prepared.ctx.endBar - prepared.ctx.startBar + 1;
      const total = perStrategy * prepared.strategies.length;
      const beat = (done: number, stage: string) =>
        context.heartbeat({
          completed,
          infra: prepared.ctx.infra,
          progress: { done, total, stage },
        } satisfies BacktestHeartbeat);
      beat(completed.length * perStrategy, 'prepared');
      for (let i = completed.length; i < prepared.strategies.length; i++) {
        const name = prepared.strategies[i]!.name;
        const walk = await walkStrategyAsync(prepared, i, {
          signal: context.cancellationSignal,
          onChunk: (bar) => beat(i * perStrategy + bar - prepared.ctx.startBar, name),
        });
        completed.push(summariseWalk(prepared, walk));
        beat((i + 1) * perStrategy, `${name} done`);
      }
      return assembleReport(prepared, completed);
    },
  };
}
