import assert from 'node:assert/strict';
import net from 'node:net';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';
import { seedModel, startTestRouter, waitFor, type TestRouter } from './support/routing-fixtures';

/** Sends raw bytes on a fresh connection and resolves with everything the server sent back before closing. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** The JSON body of a raw HTTP response. */
function jsonBody(response: string): { error: { code: string; message: string } } {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

describe('routing service: hostile and unlucky HTTP clients', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let router: TestRouter;

  before(async () => {
    database = await createTestDatabase();
    await seedModel(database.db, { versions: 1, champion: 1 });
    router = await startTestRouter(database.url, { env: { ROUTER_MAX_CONNECTIONS: '8' } });
  });
  after(async () => {
    await router.close();
    await database.drop();
  });

  it('caps the validation details of a huge invalid batch at 20 issues, with their count', async () => {
    const outcomes = Array.from({ length: 10_000 }, () => ({ predictionId: 'not-a-uuid', correct: 'yes' }));
    const body = JSON.stringify({ outcomes });
    assert.ok(body.length > 400_000);
    const answer = await router.post('/v1/outcomes', body);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'ROUTER_ERR_VALIDATION');
    assert.equal(answer.body.error.details.length, 20);
    assert.equal(answer.body.error.issueCount, 20_000);
    assert.match(answer.body.error.message, /and 19980 more issues/);
    assert.ok(JSON.stringify(answer.body).length < 8_000, `${JSON.stringify(answer.body).length} bytes`);
  });

  it("answers what Node's HTTP parser refuses (400, 431) in the JSON error shape", async () => {
    const garbage = await rawExchange(router.url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(garbage, /content-type: application\/json/);
    assert.equal(jsonBody(garbage).error.code, 'ROUTER_ERR_BAD_REQUEST');

    const huge = await rawExchange(
      router.url,
      `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.equal(jsonBody(huge).error.code, 'ROUTER_ERR_HEADERS_TOO_LARGE');
    assert.match(
      (await router.get('/metrics')).text,
      /galfriday_router_requests_total\{route="unparsed",status="431"\} 1/,
    );
  });

  it('enforces the 10 s header timeout within about a second of it (408 in the JSON shape)', async () => {
    const started = Date.now();
    const answer = await rawExchange(router.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n');
    const elapsed = Date.now() - started;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.equal(jsonBody(answer).error.code, 'ROUTER_ERR_REQUEST_TIMEOUT');
    assert.ok(elapsed >= 9_500 && elapsed < 12_500, `closed after ${elapsed} ms`);
  });

  it('closes connections beyond ROUTER_MAX_CONNECTIONS at once, and counts them', async () => {
    const { hostname, port } = new URL(router.url);
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const socket = net.connect(Number(port), hostname);
        await new Promise((resolve) => socket.once('connect', resolve));
        open.push(socket);
      }
      // Let the server accept them all before the one too many.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const extra = net.connect(Number(port), hostname);
      const closed = await new Promise<boolean>((resolve) => {
        extra.on('close', () => resolve(true));
        extra.on('error', () => undefined);
        setTimeout(() => resolve(false), 2_000);
      });
      assert.ok(closed, 'the connection beyond the cap is closed');
    } finally {
      for (const socket of open) socket.destroy();
    }
    await waitFor(
      async () =>
        // At least this one (fetch's own keep-alive connections may count towards the cap too).
        Number(
          /galfriday_router_dropped_connections_total (\d+)/.exec((await router.get('/metrics')).text)?.[1],
        ) >= 1
          ? true
          : undefined,
      2_000,
      'the dropped connection to be counted',
    );
  });

  it('counts a client that goes away mid-body as 499, without an error line or a stack', async () => {
    const { hostname, port } = new URL(router.url);
    const socket = net.connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /v1/predict HTTP/1.1\r\nhost: x\r\nauthorization: Bearer engine-token-for-tests-0123456789\r\n' +
        'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await waitFor(
      async () =>
        /galfriday_router_requests_total\{route="predict",status="499"\} 1/.test(
          (await router.get('/metrics')).text,
        )
          ? true
          : undefined,
      3_000,
      'the aborted request to be counted as 499',
    );
    assert.deepEqual(
      router.lines.filter((line) => /"level":"error"|request failed|stack/.test(line)),
      [],
    );
  });
});
