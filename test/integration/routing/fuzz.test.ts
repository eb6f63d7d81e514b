import assert from 'node:assert/strict';
import { createRng, type Rng } from '../../../src/stats/random';
import { uuidv7 } from '../../../src/routing/service/ids/uuid-v7';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  ADMIN_TOKEN,
  ENGINE_TOKEN,
  FEATURES_20,
  featuresFor,
  seedModel,
  startExperiment,
  startTestRouter,
  type TestRouter,
} from './support/routing-fixtures';

const REQUESTS = 3_000;
const CONCURRENCY = 8;

const ENDPOINTS: Array<{ method: string; path: string }> = [
  { method: 'POST', path: '/v1/predict' },
  { method: 'POST', path: '/v1/route' },
  { method: 'POST', path: '/v1/outcomes' },
  { method: 'POST', path: '/v1/signal' },
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/admin/config' },
  { method: 'POST', path: '/admin/reload' },
  { method: 'POST', path: '/admin/flush' },
  { method: 'GET', path: '/openapi.json' },
];

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng.next() * items.length)]!;

// Values a hostile or broken client sends where a well-formed one sends something sensible.
function hostileValue(rng: Rng, depth = 0): unknown {
  const choices: Array<() => unknown> = [
    () => null,
    () => true,
    () => pick(rng, [0, -0, 1, -1, 1e39, -1e39, 3.5e38, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 0.123456]),
    () => rng.next() * 2e6 - 1e6,
    () => '',
    () => 'x'.repeat(Math.floor(rng.next() * 600)),
    () =>
      pick(rng, ['\u0000', '\ud800', '💥', '__proto__', 'constructor', '../../etc/passwd', 'NaN', '1e39']),
    () => uuidv7(),
    () => uuidv7().toUpperCase(),
    () =>
      depth < 3 ? Array.from({ length: Math.floor(rng.next() * 5) }, () => hostileValue(rng, depth + 1)) : [],
    () =>
      depth < 3
        ? Object.fromEntries(
            Array.from({ length: Math.floor(rng.next() * 4) }, () => [
              pick(rng, ['a', '__proto__', 'constructor', 'model', 'f01', '']),
              hostileValue(rng, depth + 1),
            ]),
          )
        : {},
  ];
  return pick(rng, choices)();
}

// A valid body for the endpoint, then a few fields replaced, removed or added.
function mutatedBody(rng: Rng, path: string, ids: readonly string[]): Record<string, unknown> {
  const features = featuresFor(Math.floor(rng.next() * 1_000));
  const base: Record<string, unknown> =
    path === '/v1/predict'
      ? { model: 'btc-1h', unitId: `u${Math.floor(rng.next() * 100)}`, features }
      : path === '/v1/route'
        ? { model: 'btc-1h', unitId: 'u1' }
        : path === '/v1/outcomes'
          ? rng.next() < 0.5
            ? { predictionId: pick(rng, ids), correct: rng.next() < 0.5 }
            : {
                outcomes: Array.from({ length: 1 + Math.floor(rng.next() * 30) }, () => ({
                  predictionId: rng.next() < 0.7 ? pick(rng, ids) : uuidv7(),
                  return: rng.next() * 0.1 - 0.05,
                })),
              }
          : path === '/v1/signal'
            ? { prediction: rng.next(), strategy: { id: 'momo', price: 100 } }
            : {};
  const mutations = Math.floor(rng.next() * 3);
  for (let m = 0; m < mutations; m++) {
    const keys = Object.keys(base);
    const roll = rng.next();
    if (roll < 0.4 && keys.length > 0) base[pick(rng, keys)] = hostileValue(rng);
    else if (roll < 0.6 && keys.length > 0) delete base[pick(rng, keys)];
    else if (roll < 0.8 && path === '/v1/predict') {
      base.features = { ...features, [pick(rng, FEATURES_20)]: hostileValue(rng) };
    } else base[pick(rng, ['extra', '__proto__', 'unitID', 'outcomes'])] = hostileValue(rng);
  }
  return base;
}

function hostileRequest(
  rng: Rng,
  ids: readonly string[],
): { method: string; path: string; init: RequestInit } {
  const endpoint = pick(rng, ENDPOINTS);
  const method = rng.next() < 0.9 ? endpoint.method : pick(rng, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
  const path =
    rng.next() < 0.95
      ? endpoint.path + (rng.next() < 0.1 ? '?x=%ZZ&y=' + 'q'.repeat(50) : '')
      : pick(rng, ['/', '/v1', '/v1/predict/', '/V1/PREDICT', '/%00', '/admin/../v1/predict', '//v1/route']);
  const headers: Record<string, string> = {};
  // Mostly the token of the endpoint's scope, so that most requests reach validation and handlers.
  const right = endpoint.path.startsWith('/v1/') ? ENGINE_TOKEN : ADMIN_TOKEN;
  const token =
    rng.next() < 0.85
      ? right
      : pick(rng, [ENGINE_TOKEN, ADMIN_TOKEN, 'wrong-token-000000000000', '', 'x'.repeat(600)]);
  if (rng.next() < 0.95) headers.authorization = rng.next() < 0.95 ? `Bearer ${token}` : token;
  headers['content-type'] =
    rng.next() < 0.85
      ? pick(rng, ['application/json', 'application/json; charset=utf-8', 'application/problem+json'])
      : pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']);
  const roll = rng.next();
  let body: string | Uint8Array | undefined;
  if (method === 'GET' || method === 'DELETE') body = undefined;
  else if (roll < 0.6) body = JSON.stringify(mutatedBody(rng, endpoint.path, ids));
  else if (roll < 0.75) body = JSON.stringify(hostileValue(rng));
  else if (roll < 0.85)
    body = JSON.stringify(mutatedBody(rng, endpoint.path, ids)).slice(0, Math.floor(rng.next() * 40));
  else if (roll < 0.9) body = Uint8Array.from({ length: 64 }, () => Math.floor(rng.next() * 256));
  else if (roll < 0.95) body = '{"a":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}';
  else body = '';
  return { method, path, init: { method, headers, ...(body !== undefined ? { body } : {}) } };
}

// A bounded fuzz run of every endpoint: thousands of hostile requests from a fixed seed. The router
// may refuse them however it likes, but never with a server error and never with an error in its log.
describe('routing service: fuzzing every endpoint', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let router: TestRouter;

  before(async () => {
    database = await createTestDatabase();
    const model = await seedModel(database.db, { versions: 2, champion: 1 });
    await startExperiment(database.db, model, {
      arms: [
        { variant: 'control', version: 1, weight: 0.5, isControl: true },
        { variant: 'treatment', version: 2, weight: 0.5 },
      ],
    });
    router = await startTestRouter(database.url, {
      strategies: {
        strategies: [
          {
            id: 'momo',
            interpretation: 'prob_up',
            buyThreshold: 0.6,
            sellThreshold: 0.4,
            stopLossPct: 0.02,
            takeProfitPct: 0.04,
          },
        ],
      },
    });
  });
  after(async () => {
    await router.close();
    await database.drop();
  });

  it(`answers ${REQUESTS} hostile requests with 0 server errors and 0 error log lines`, async () => {
    const rng = createRng(20_261_202);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const p = await router.post('/v1/predict', {
        model: 'btc-1h',
        unitId: `seed-${i}`,
        features: featuresFor(i),
      });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      ids.push(p.body.predictionId);
    }
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < REQUESTS) {
        sent++;
        const { method, path, init } = hostileRequest(rng, ids);
        const response = await fetch(`${router.url}${path}`, init);
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500)
          serverErrors.push(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
        else if (response.headers.get('content-type')?.includes('json') && text !== '') JSON.parse(text);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `      fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    assert.deepEqual(serverErrors, []);
    assert.deepEqual(
      router.lines.filter((line) => /"level":"error"/.test(line)),
      [],
      'no error in the router log',
    );
    // Still healthy and serving afterwards.
    const after = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'after',
      features: featuresFor(1),
    });
    assert.equal(after.status, 200);
  });
});
