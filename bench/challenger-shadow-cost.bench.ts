// Extra router CPU per /v1/predict when a challenger experiment also scores the other arm in shadow
// (src/routing/service/handlers/predict-handler.ts), against the same router serving a champion-only
// model in the same run. Run: npx ts-node bench/challenger-shadow-cost.bench.ts
//
// One in-process router on an embedded PostgreSQL; sequential requests from an in-process client, so
// the client's CPU is in both figures and cancels in the difference. Rounds alternate the two models
// and the median per-request CPU of each is reported, with the spread over rounds.

import { createTestDatabase, stopTestStack } from '../test/support/test-stack';
import {
  featuresFor,
  seedModel,
  startExperiment,
  startTestRouter,
} from '../test/integration/routing/support/routing-fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const database = await createTestDatabase();
  await seedModel(database.db, { name: 'plain', versions: 2, champion: 1 });
  const paired = await seedModel(database.db, { name: 'paired', versions: 2, champion: 1 });
  await startExperiment(database.db, paired, {
    arms: [
      { variant: 'control', version: 1, weight: 0.5, isControl: true },
      { variant: 'challenger', version: 2, weight: 0.5 },
    ],
  });
  // The same experiment routing and assignment logging without a twin: a third arm at weight 0 makes
  // "the other arm" ambiguous, so no shadow scoring. paired − noTwin is the shadow scoring's own cost.
  const noTwin = await seedModel(database.db, { name: 'no-twin', versions: 3, champion: 1 });
  await startExperiment(database.db, noTwin, {
    arms: [
      { variant: 'control', version: 1, weight: 0.5, isControl: true },
      { variant: 'challenger', version: 2, weight: 0.5 },
      { variant: 'idle', version: 3, weight: 0 },
    ],
  });
  const router = await startTestRouter(database.url);
  const features = Array.from({ length: 64 }, (_, i) => featuresFor(i));
  const run = async (model: string, round: number): Promise<number> => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < REQUESTS; i++) {
      const r = await router.post('/v1/predict', {
        model,
        unitId: `u-${round}-${i}`,
        features: features[i % features.length],
      });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    }
    // Let the setImmediate shadow scores of the last requests run inside the measured window.
    await new Promise((resolve) => setImmediate(resolve));
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / REQUESTS;
  };
  await run('plain', -1);
  await run('paired', -1);
  await run('no-twin', -1);
  const cost: Record<'plain' | 'no-twin' | 'paired', number[]> = { plain: [], 'no-twin': [], paired: [] };
  const names = ['plain', 'no-twin', 'paired'] as const;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const m = names[(k + round) % names.length]!;
      cost[m].push(await run(m, round));
    }
  }
  const diffs = cost.paired.map((p, i) => p - cost['no-twin'][i]!);
  console.log(`rounds ${ROUNDS} × ${REQUESTS} sequential predicts, CPU µs per request (median [min, max])`);
  for (const [name, xs] of Object.entries(cost))
    console.log(
      `  ${name.padEnd(7)} ${median(xs).toFixed(1)} [${Math.min(...xs).toFixed(1)}, ${Math.max(...xs).toFixed(1)}]`,
    );
  console.log(
    `  twin    ${median(diffs).toFixed(1)} [${Math.min(...diffs).toFixed(1)}, ${Math.max(...diffs).toFixed(1)}] (paired − no-twin, per round)  ratio paired/no-twin ${(median(cost.paired) / median(cost['no-twin'])).toFixed(3)}`,
  );
  await router.close();
  await database.drop();
  await stopTestStack();
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
