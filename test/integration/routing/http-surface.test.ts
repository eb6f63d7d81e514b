import assert from 'node:assert/strict';
import http from 'node:http';
import { healthResponseSchema, readyResponseSchema } from '../../../src/routing/service/api/response-schemas';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import {
  ADMIN_TOKEN,
  ENGINE_TOKEN,
  featuresFor,
  seedModel,
  startTestRouter,
  type TestRouter,
} from './support/routing-fixtures';

/** A raw request, for what fetch will not send (chunked oversized bodies, wrong lengths). */
function raw(
  url: string,
  options: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[] },
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}${options.path}`,
      { method: options.method, headers: options.headers },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body, headers: response.headers }));
      },
    );
    request.on('error', reject);
    const write = (i: number): void => {
      if (i >= options.chunks.length) {
        request.end();
        return;
      }
      // The server may answer 413 and close mid-upload; stop writing then.
      if (!request.write(options.chunks[i]!)) request.once('drain', () => write(i + 1));
      else setImmediate(() => write(i + 1));
    };
    write(0);
  });
}

describe('routing service: HTTP surface', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let router: TestRouter;

  before(async () => {
    database = await createTestDatabase();
    await seedModel(database.db, { versions: 1, champion: 1 });
    router = await startTestRouter(database.url);
  });
  after(async () => {
    await router.close();
    await database.drop();
  });

  const predict = { model: 'btc-1h', unitId: 'u1', features: featuresFor(1) };

  it('refuses missing and unknown tokens (401) and the other scope’s token (403)', async () => {
    const none = await router.post('/v1/predict', predict, null);
    assert.deepEqual(
      [none.status, none.body.error.code, none.headers.get('www-authenticate')],
      [401, 'ROUTER_ERR_UNAUTHORIZED', 'Bearer'],
    );
    assert.equal((await router.post('/v1/predict', predict, 'wrong-token-0123456789')).status, 401);
    assert.equal(
      (await router.post('/v1/route', { model: 'btc-1h', unitId: 'u' }, `${ENGINE_TOKEN}x`)).status,
      401,
    );
    const adminOnEngine = await router.post(
      '/v1/outcomes',
      { predictionId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab', correct: true },
      ADMIN_TOKEN,
    );
    assert.deepEqual([adminOnEngine.status, adminOnEngine.body.error.code], [403, 'ROUTER_ERR_FORBIDDEN']);
    for (const path of ['/admin/config', '/metrics']) {
      assert.equal((await router.get(path, ENGINE_TOKEN)).status, 403, path);
      assert.equal((await router.get(path, null)).status, 401, path);
    }
    assert.equal((await router.post('/admin/flush', undefined, ENGINE_TOKEN)).status, 403);
    assert.equal(
      (await router.post('/v1/signal', { prediction: 0.5, strategy: { id: 'x', price: 1 } }, ADMIN_TOKEN))
        .status,
      403,
    );
  });

  it('answers malformed JSON, wrong media types and unknown fields with 4xx naming the problem', async () => {
    const malformed = await router.post('/v1/predict', '{"model": "btc-1h",');
    assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'ROUTER_ERR_MALFORMED_JSON']);
    const text = await router.post('/v1/predict', JSON.stringify(predict), ENGINE_TOKEN, {
      'content-type': 'text/plain',
    });
    assert.deepEqual([text.status, text.body.error.code], [415, 'ROUTER_ERR_UNSUPPORTED_MEDIA_TYPE']);
    const misspelt = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitID: 'u1',
      features: featuresFor(1),
    });
    assert.equal(misspelt.status, 400);
    assert.equal(misspelt.body.error.code, 'ROUTER_ERR_VALIDATION');
    assert.ok(
      misspelt.body.error.details.some((d: { field: string }) => d.field === 'unitID'),
      JSON.stringify(misspelt.body),
    );
    const longUnit = await router.post('/v1/route', { model: 'btc-1h', unitId: 'x'.repeat(257) });
    assert.deepEqual([longUnit.status, longUnit.body.error.field], [400, 'unitId']);
    // PostgreSQL text cannot hold NUL: refused here rather than dropped later by the log.
    const nulUnit = await router.post('/v1/route', { model: 'btc-1h', unitId: 'a\u0000b' });
    assert.deepEqual([nulUnit.status, nulUnit.body.error.field], [400, 'unitId']);
    assert.match(nulUnit.body.error.message, /NUL/);
    const badModel = await router.post('/v1/route', { model: 'BTC 1h', unitId: 'u' });
    assert.deepEqual([badModel.status, badModel.body.error.field], [400, 'model']);
  });

  it('answers wrong-schema features with 422 listing every missing, extra and non-finite feature', async () => {
    const { f01: _drop, ...rest } = featuresFor(1);
    const wrong = await router.post('/v1/predict', {
      model: 'btc-1h',
      unitId: 'u',
      features: { ...rest, volume: 3 },
    });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.error.code, 'ROUTER_ERR_FEATURE_SCHEMA');
    assert.deepEqual(
      [wrong.body.error.details.missing, wrong.body.error.details.extra],
      [['f01'], ['volume']],
    );
    const short = await router.post('/v1/predict', { model: 'btc-1h', unitId: 'u', features: [0.1, 0.2] });
    assert.equal(short.status, 422);
    assert.match(short.body.error.message, /got 2 values, schema has 20/);
    const unknown = await router.post('/v1/predict', { ...predict, model: 'eth-1h' });
    assert.deepEqual(
      [unknown.status, unknown.body.error.code, unknown.body.error.field],
      [404, 'ROUTER_ERR_UNKNOWN_MODEL', 'model'],
    );
    const infinite = await router.post(
      '/v1/predict',
      `{"model":"btc-1h","unitId":"u","features":[${Array(20).fill('1e999').join(',')}]}`,
    );
    assert.equal(infinite.status, 400);
    assert.match(infinite.body.error.field, /^features(\[\d+\])?$/, JSON.stringify(infinite.body));
  });

  it('refuses oversized bodies, announced or streamed, with 413 and closes the connection', async () => {
    const big = JSON.stringify({ ...predict, unitId: 'x'.repeat(70 * 1024) });
    const announced = await router.post('/v1/predict', big);
    assert.deepEqual(
      [announced.status, announced.body.error.code, announced.headers.get('connection')],
      [413, 'ROUTER_ERR_PAYLOAD_TOO_LARGE', 'close'],
    );
    const streamed = await raw(router.url, {
      method: 'POST',
      path: '/v1/predict',
      headers: {
        authorization: `Bearer ${ENGINE_TOKEN}`,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
      chunks: Array.from({ length: 40 }, () => Buffer.alloc(4 * 1024, 0x20)),
    }).catch((error: NodeJS.ErrnoException) => ({
      status: error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 413 : 0,
      body: '',
      headers: {},
    }));
    assert.equal(streamed.status, 413);
    // Outcomes take up to 10,000 items, so their limit is 2 MB rather than 64 KiB: a large batch
    // passes the size check, one past 2 MB does not.
    const item = { predictionId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab', correct: true, return: 0.001 };
    const large = await router.post('/v1/outcomes', { outcomes: Array.from({ length: 1_000 }, () => item) });
    assert.notEqual(large.status, 413, JSON.stringify(large.body).slice(0, 200));
    const tooLarge = await router.post(
      '/v1/outcomes',
      JSON.stringify({ outcomes: [item], padding: ' '.repeat(2 * 1024 * 1024) }),
    );
    assert.deepEqual([tooLarge.status, tooLarge.body.error.code], [413, 'ROUTER_ERR_PAYLOAD_TOO_LARGE']);
    // The router is still fine afterwards.
    assert.equal((await router.post('/v1/predict', predict)).status, 200);
  });

  it('answers unknown paths 404 and wrong methods 405 with Allow, never with a stack trace', async () => {
    const missing = await router.get('/v2/predict');
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'ROUTER_ERR_NOT_FOUND']);
    const wrongMethod = await router.get('/v1/predict');
    assert.deepEqual(
      [wrongMethod.status, wrongMethod.body.error.code, wrongMethod.headers.get('allow')],
      [405, 'ROUTER_ERR_METHOD_NOT_ALLOWED', 'POST'],
    );
    for (const body of [missing.text, wrongMethod.text]) assert.doesNotMatch(body, /at \w+ \(|\.ts:\d+/);
  });

  it('serves /healthz and /readyz without a token, and /metrics with the admin token', async () => {
    const health = await router.get('/healthz', null);
    assert.equal(health.status, 200);
    assert.ok(healthResponseSchema.safeParse(health.body).success);
    const ready = await router.get('/readyz', null);
    assert.equal(ready.status, 200);
    assert.ok(readyResponseSchema.safeParse(ready.body).success);
    assert.equal(ready.body.database, 'up');
    await router.post('/v1/predict', predict);
    await router.post('/v1/route', { model: 'btc-1h', unitId: 'metrics-unit' });
    await router.post('/admin/flush', undefined, router.adminToken);
    const metrics = await router.get('/metrics');
    assert.match(metrics.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    for (const pattern of [
      /galfriday_router_request_duration_seconds_bucket\{route="predict",le="0\.001"\} \d+/,
      /galfriday_router_request_duration_seconds_count\{route="route"\} [1-9]/,
      /galfriday_router_log_flush_lag_seconds_count\{log="predictions"\} [1-9]/,
      /galfriday_router_requests_total\{route="predict",status="200"\} [1-9]/,
      /galfriday_router_predictions_total\{model="btc-1h",variant="champion"\} [1-9]/,
      /galfriday_router_log_dropped_rows_total\{log="predictions",reason="overflow"\} 0/,
      /galfriday_router_log_buffered_rows\{log="assignments"\} 0/,
      /galfriday_router_database_up 1/,
      /galfriday_router_inference_duration_seconds_count [1-9]/,
      // prom-client's default collectors: the runtime figures an operator expects.
      /^process_cpu_seconds_total \d/m,
      /^nodejs_heap_size_used_bytes \d/m,
      /^nodejs_eventloop_lag_seconds \d/m,
      /^# TYPE nodejs_gc_duration_seconds histogram/m,
    ]) {
      assert.match(metrics.text, pattern);
    }
  });

  it('documents every route in /openapi.json, with its method, security and request schema', async () => {
    const response = await router.get('/openapi.json', null);
    assert.equal(response.status, 200);
    const doc = response.body;
    assert.equal(doc.openapi, '3.0.3');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const served = router.app.routes.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(documented.sort(), served.sort());
    for (const route of router.app.routes) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      assert.deepEqual(
        op.security,
        route.scope === 'public' ? [] : [{ [`${route.scope}Token`]: [] }],
        route.path,
      );
      assert.ok(op.responses[String(route.successStatus)], `${route.path} documents its success status`);
      if (route.requestSchema) assert.ok(op.requestBody.content['application/json'].schema, route.path);
    }
    const predictBody = doc.paths['/v1/predict'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(predictBody.required.sort(), ['features', 'model', 'unitId']);
    assert.ok(
      doc.paths['/v1/predict'].post.responses['422'].description.includes('ROUTER_ERR_FEATURE_SCHEMA'),
    );
  });
});
