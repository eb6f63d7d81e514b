import type { Db } from '../db/database';
import { upsertBars } from '../db/repositories/market-bars.repository';
import { computeFeatures, type OhlcvBar } from '../ml';
import { createRng } from '../stats';

export interface SimulatedMarket {
  model: string;
  symbol: string;
  bars: OhlcvBar[];
  /** Index of the next bar to play. */
  next: number;
}

export interface TrafficSimulatorOptions {
  db: Db;
  routerUrl: string;
  engineToken: string;
  markets: SimulatedMarket[];
  tickMs: number;
  units: number;
  seed: number;
  log: (line: string) => void;
  /** Called after every tick with the index of the next bar per model (for resuming after a restart). */
  onProgress?: (next: Record<string, number>) => void;
}

export interface TrafficSimulator {
  stop(): Promise<void>;
  stats(): { predictions: number; outcomes: number; errors: number };
}

interface Pending {
  predictionId: string;
  output: number;
  close: number;
}

/**
 * Plays the trading engine: for every new bar of each market it stores the bar, asks the router for a
 * prediction on the features of the bar (POST /v1/predict), and, once the next bar shows what
 * happened, reports the outcome (POST /v1/outcomes): whether the predicted direction was right and
 * the return of trading it.
 */
export function startTrafficSimulator(options: TrafficSimulatorOptions): TrafficSimulator {
  const rng = createRng(options.seed);
  const pending = new Map<string, Pending>();
  const counters = { predictions: 0, outcomes: 0, errors: 0 };
  let stopped = false;
  let lastError = '';
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.engineToken}` };

  const post = async (path: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${options.routerUrl}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const payload = (await response.json().catch(() => ({}))) as unknown;
    if (response.status >= 400)
      throw new Error(`${path} answered ${response.status}: ${JSON.stringify(payload).slice(0, 200)}`);
    return payload;
  };

  const tick = async (market: SimulatedMarket): Promise<void> => {
    const bar = market.bars[market.next];
    if (!bar) return;
    await upsertBars(options.db, market.symbol, '1h', [{ ...bar, ts: new Date(bar.ts) }]);
    const previous = pending.get(market.model);
    const outcomes = [];
    if (previous) {
      const change = bar.close / previous.close - 1;
      const predictedUp = previous.output >= 0.5;
      outcomes.push({
        predictionId: previous.predictionId,
        correct: predictedUp === change > 0,
        return: (predictedUp ? 1 : -1) * change,
        signalGenerated: Math.abs(previous.output - 0.5) > 0.05,
      });
    }
    // Features of the newest bar need the 20 bars before it.
    const window = market.bars.slice(Math.max(0, market.next - 40), market.next + 1);
    const row = computeFeatures(window).rows.at(-1);
    market.next++;
    if (row) {
      const unitId = `acct-${Math.floor(rng.next() * options.units)}`;
      const prediction = (await post('/v1/predict', {
        model: market.model,
        unitId,
        features: row.values,
      })) as { predictionId: string; output: number };
      counters.predictions++;
      pending.set(market.model, {
        predictionId: prediction.predictionId,
        output: prediction.output,
        close: bar.close,
      });
    }
    if (outcomes.length) {
      await post('/v1/outcomes', { outcomes });
      counters.outcomes += outcomes.length;
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      for (const market of options.markets) {
        try {
          await tick(market);
        } catch (error) {
          counters.errors++;
          const message = (error as Error).message;
          // The same failure every tick (router restarting) is reported once, not forty times a second.
          if (message !== lastError) options.log(`simulator: ${message}`);
          lastError = message;
        }
      }
      options.onProgress?.(Object.fromEntries(options.markets.map((m) => [m.model, m.next])));
      if (options.markets.every((m) => m.next >= m.bars.length)) {
        options.log('simulator: the demo market has been played to its end; traffic stops.');
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, options.tickMs - (Date.now() - started))));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
    },
    stats: () => ({ ...counters }),
  };
}
