import type { Kysely } from 'kysely';
import type { Database } from '../../../src/db/database';
import { upsertBars } from '../../../src/db/repositories/market-bars.repository';
import { computeFeatures, type OhlcvBar } from '../../../src/ml';
import { createRng } from '../../../src/stats';

const PREDICTIONS_PER_BAR = 4;

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
  let previous: Array<{ predictionId: string; output: number; close: number }> = [];
  let barsToStore: OhlcvBar[] = [];
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
    // Bars are stored ten at a time (retraining reads them; one round trip a bar would pace the engine).
    barsToStore.push(bar);
    if (barsToStore.length >= 10) {
      await upsertBars(
        options.db(),
        options.symbol,
        '1h',
        barsToStore.map((b) => ({ ...b, ts: new Date(b.ts) })),
      );
      barsToStore = [];
    }
    for (const made of previous) {
      const change = bar.close / made.close - 1;
      const predictedUp = made.output >= 0.5;
      unsent.push({
        predictionId: made.predictionId,
        correct: predictedUp === change > 0,
        return: (predictedUp ? 1 : -1) * change,
        signalGenerated: Math.abs(made.output - 0.5) > 0.05,
      });
    }
    previous = [];
    const row = computeFeatures(options.bars.slice(Math.max(0, next - 40), next + 1)).rows.at(-1);
    next++;
    if (row) {
      // Several accounts trade each bar, as the engine's units do.
      const answers = await Promise.allSettled(
        Array.from({ length: PREDICTIONS_PER_BAR }, () =>
          post('/v1/predict', {
            model: options.model,
            unitId: `acct-${Math.floor(rng.next() * options.units)}`,
            features: row.values,
          }),
        ),
      );
      for (const answer of answers) {
        if (answer.status !== 'fulfilled') continue;
        const prediction = answer.value as { predictionId: string; output: number };
        counters.predictions++;
        previous.push({ predictionId: prediction.predictionId, output: prediction.output, close: bar.close });
      }
      const failed = answers.find((a) => a.status === 'rejected');
      if (failed) throw failed.reason;
    }
  };

  // Outcomes go in their own loop: a report waits for its prediction's log and a commit, and must
  // not pace the predictions.
  const sendOutcomes = async (): Promise<void> => {
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
      if (unsent.length < 20_000) unsent.unshift(...batch);
      throw error;
    }
  };
  const outcomeLoop = (async () => {
    while (!stopped || unsent.length) {
      if (unsent.length) {
        try {
          await sendOutcomes();
        } catch {
          counters.errors++;
          if (stopped) return;
          await new Promise((r) => setTimeout(r, 200));
        }
      } else await new Promise((r) => setTimeout(r, 50));
    }
  })();

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
      await outcomeLoop;
    },
  };
}
