import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ensureSupervisor } from '../temporal/lifecycle-client';
import type { Db } from '../db/database';
import { upsertBars } from '../db/repositories/market-bars.repository';
import { findModel } from '../db/repositories/model.repository';
import { trainModelVersion } from '../lifecycle/train-model-version';
import { generateSyntheticMarket } from '../ml';
import { workflowListUrl } from '../temporal/ui-links';
import { startNarrator } from './demo-narrator';
import { DEMO_MODELS, DEMO_SETTINGS, type DemoSettings } from './demo-settings';
import { startTrafficSimulator, type SimulatedMarket } from './traffic-simulator';

export interface DemoOptions {
  db: Db;
  client: Client;
  taskQueue: string;
  namespace: string;
  routerUrl: string;
  engineToken: string;
  dataDir: string;
  uiUrl: string | undefined;
  settings?: DemoSettings;
  models?: ReadonlyArray<{ model: string; symbol: string; seed: number }>;
  log: (line: string) => void;
}

export interface RunningDemo {
  models: string[];
  stop(): Promise<void>;
}

const LIVE_BARS = 150_000;
const STATE_FILE = 'demo.json';

/**
 * The demo loop: synthetic markets for the demo models, champion v1 trained for each, their
 * supervisors started, and a simulated trading engine calling the router. The markets trend, then
 * turn mean-reverting and more volatile; the supervisors see the drift, retrain, and try the
 * challengers in experiments that the simulated outcomes decide. Resumes where it stopped.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const settings = options.settings ?? DEMO_SETTINGS;
  const models = options.models ?? DEMO_MODELS;
  const stateFile = path.join(options.dataDir, STATE_FILE);
  const saved = JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as {
    next?: Record<string, number>;
  };
  const markets: SimulatedMarket[] = [];

  for (const { model, symbol, seed } of models) {
    const { bars } = generateSyntheticMarket({
      seed,
      bars: settings.historyBars + LIVE_BARS,
      intervalMinutes: 60,
      switchProbability: 0,
      initialRegime: 'trending',
      regimeShift: {
        atBar: settings.historyBars + settings.barsBeforeShift,
        regime: 'mean-reverting',
        volatilityMultiplier: 2.5,
      },
    });
    const registered = await findModel(options.db, model);
    if (!registered) {
      options.log(
        `Demo: storing ${settings.historyBars} bars of ${symbol} and training champion v1 of ${model}…`,
      );
      await upsertBars(
        options.db,
        symbol,
        '1h',
        bars.slice(0, settings.historyBars).map((b) => ({ ...b, ts: new Date(b.ts) })),
      );
      const result = await trainModelVersion(options.db, {
        model,
        symbol,
        timeframe: '1h',
        target: 'prob_up',
        trainer: 'logreg',
        createdBy: 'demo',
        gatePolicy: settings.gatePolicy,
      });
      if (!result.becameChampion)
        throw new Error(
          `demo champion of ${model} failed its gate: ${result.evaluation.gate.checks
            .filter((c) => !c.passed)
            .map((c) => c.detail)
            .join('; ')}`,
        );
    }
    await ensureSupervisor(options.client, options.taskQueue, model, settings.supervisorPolicy);
    markets.push({
      model,
      symbol,
      bars,
      next: Math.max(saved.next?.[model] ?? settings.historyBars, settings.historyBars),
    });
  }

  let lastSave = 0;
  const simulator = startTrafficSimulator({
    db: options.db,
    routerUrl: options.routerUrl,
    engineToken: options.engineToken,
    markets,
    tickMs: settings.tickMs,
    units: settings.units,
    seed: 1,
    log: options.log,
    onProgress: (next) => {
      if (Date.now() - lastSave < 5_000) return;
      lastSave = Date.now();
      void writeFile(stateFile, JSON.stringify({ next })).catch(() => undefined);
    },
  });
  const narrator = startNarrator({
    db: options.db,
    models: markets.map((m) => m.model),
    uiUrl: options.uiUrl,
    namespace: options.namespace,
    log: options.log,
  });
  const shiftIn = Math.max(0, settings.historyBars + settings.barsBeforeShift - (markets[0]?.next ?? 0));
  options.log(
    `Demo: a simulated engine now trades ${markets.map((m) => m.model).join(' and ')} through the router` +
      (shiftIn > 0
        ? `; the markets change regime in about ${Math.round((shiftIn * settings.tickMs) / 1000)} s.`
        : '.') +
      (options.uiUrl ? `\n  Watch: ${workflowListUrl(options.uiUrl, options.namespace)}` : ''),
  );
  return {
    models: markets.map((m) => m.model),
    async stop() {
      narrator.stop();
      await simulator.stop();
      await writeFile(
        stateFile,
        JSON.stringify({ next: Object.fromEntries(markets.map((m) => [m.model, m.next])) }),
      ).catch(() => undefined);
    },
  };
}
