import type { Kysely } from 'kysely';
import type { Database } from '../../../src/db/database';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import { computeFeatures, type OhlcvBar } from '../../../src/ml';
import { createRng } from '../../../src/stats';

export interface ChaosEngineOptions {
  db: () => Kysely<Database>;
  routerUrl: string;
  engineToken: string;
  model: string;
  symbol: string;
  bars: OhlcvBar[];
  /** Index of the first live bar. */
  start: number;
  tickMs: number;
  units: number;
  seed: number;
}

export interface ChaosEngine {
  /** Prediction ids whose outcome the router acknowledged (202, recorded or duplicate). */
  readonly acknowledged: Set<string>;
  stats(): { predictions: number; outcomes: number; errors: number; bar: number };
  stop(): Promise<void>;
}

/**
 * The simulated trading engine of the demo (src/demo/traffic-simulator.ts), keeping what the demo's
 * does not: the id of every outcome the router answered 2xx for, so the run can check none is lost.
 * Failures (router or PostgreSQL down) are counted and the bar is tried again next tick; an outcome
 * that was not acknowledged is sent again with the next one, as a real engine retries.
 */
export function startChaosEngine(options: ChaosEngineOptions): ChaosEngine {
  const rng = createRng(options.seed);
  const acknowledged = new Set<string>();
  const unsent: Array<{ predictionId: string; correct: boolean; return: number; signalGenerated: boolean }> =
    [];
  const counters = { predictions: 0, outcomes: 0, errors: 0 };
  let previous: { predictionId: string; output: number; close: number } | undefined;
  let next = options.start;
  let stopped = false;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.engineToken}` };

  const post = async (path: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${options.routerUrl}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const payload = (await response.json().catch(() => ({}))) as unknown;
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}`);
    return payload;
  };

  const tick = async (): Promise<void> => {
    const bar = options.bars[next];
    if (!bar) return;
    await upsertBars(options.db(), options.symbol, '1h', [{ ...bar, ts: new Date(bar.ts) }]);
    if (previous) {
      const change = bar.close / previous.close - 1;
      const predictedUp = previous.output >= 0.5;
      unsent.push({
        predictionId: previous.predictionId,
        correct: predictedUp === change > 0,
        return: (predictedUp ? 1 : -1) * change,
        signalGenerated: Math.abs(previous.output - 0.5) > 0.05,
      });
      previous = undefined;
    }
    const row = computeFeatures(options.bars.slice(Math.max(0, next - 40), next + 1)).rows.at(-1);
    next++;
    if (row) {
      const prediction = (await post('/v1/predict', {
        model: options.model,
        unitId: `acct-${Math.floor(rng.next() * options.units)}`,
        features: row.values,
      })) as { predictionId: string; output: number };
      counters.predictions++;
      previous = { predictionId: prediction.predictionId, output: prediction.output, close: bar.close };
    }
    if (unsent.length) {
      const batch = unsent.splice(0, 500);
      try {
        const answer = (await post('/v1/outcomes', { outcomes: batch })) as {
          results: Array<{ predictionId: string; status: string }>;
        };
        for (const result of answer.results) {
          if (result.status === 'recorded' || result.status === 'duplicate') {
            acknowledged.add(result.predictionId.toLowerCase());
            counters.outcomes++;
          }
        }
      } catch (error) {
        // Not acknowledged: it is the engine's to send again (unless the router lost the prediction).
        if (unsent.length < 5_000) unsent.unshift(...batch);
        throw error;
      }
    }
  };

  const loop = (async () => {
    while (!stopped && next < options.bars.length) {
      const started = Date.now();
      try {
        await tick();
      } catch {
        counters.errors++;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, options.tickMs - (Date.now() - started))));
    }
  })();

  return {
    acknowledged,
    stats: () => ({ ...counters, bar: next }),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
