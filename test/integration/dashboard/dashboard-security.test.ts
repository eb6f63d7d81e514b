import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildDashboardApp } from '../../../src/dashboard';
import {
  createDashboardAuth,
  sameOrigin,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type SessionEpochs,
} from '../../../src/dashboard/auth';
import { safeNext } from '../../../src/dashboard/http';
import { groupedBarChart, lineChart, timelineChart } from '../../../src/reports/charts';
import { html } from '../../../src/reports/html';
import { sessionEpochOf } from '../../../src/db/repositories/dashboard-session.repository';
import { createTestDatabase, type TestDatabase } from '../../support/test-stack';

const TOKEN = 'admin-token-for-the-security-test';

/** A request as authentication sees it: its headers and its cookies, parsed as @fastify/cookie does. */
const request = (headers: IncomingHttpHeaders) => ({
  headers,
  cookies: Object.fromEntries(
    (headers.cookie ?? '')
      .split(';')
      .filter((part) => part.includes('='))
      .map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()]),
  ),
});

/** Session epochs in memory, shared by the auth instances given the same map (one "database"). */
function memoryEpochs(store = new Map<string, number>()): SessionEpochs {
  return {
    current: async (operator) => store.get(operator) ?? 0,
    end: async (operator) => {
      const next = (store.get(operator) ?? 0) + 1;
      store.set(operator, next);
      return next;
    },
  };
}

/** Pure checks of the dashboard's auth and rendering primitives (no servers). */
describe('dashboard security primitives', () => {
  it('accepts the admin token as a bearer header (any scheme case) and nothing else', async () => {
    const auth = createDashboardAuth(TOKEN, memoryEpochs());
    assert.equal((await auth.authenticate(request({ authorization: `Bearer ${TOKEN}` })))?.kind, 'bearer');
    assert.equal((await auth.authenticate(request({ authorization: `bearer ${TOKEN}` })))?.kind, 'bearer');
    assert.equal(await auth.authenticate(request({ authorization: `Bearer ${TOKEN}x` })), null);
    assert.equal(await auth.authenticate(request({ authorization: `Basic ${TOKEN}` })), null);
    assert.equal(await auth.authenticate(request({})), null);
    assert.equal(auth.tokenMatches(TOKEN), true);
    assert.equal(auth.tokenMatches(TOKEN.slice(0, -1)), false);
    assert.equal(auth.tokenMatches(''), false);
    assert.throws(() => createDashboardAuth('short', memoryEpochs()), /admin token/);
    assert.throws(() => createDashboardAuth([], memoryEpochs()), /admin token/);
  });

  it('issues sessions that survive a restart, and refuses tampered, foreign or expired ones', async () => {
    let now = 1_700_000_000_000;
    const store = new Map<string, number>();
    const auth = createDashboardAuth(TOKEN, memoryEpochs(store), () => now);
    const session = await auth.issueSession('Grace Hopper');
    const cookie = (value: string) => request({ cookie: `other=1; ${SESSION_COOKIE}=${value}` });
    const principal = await auth.authenticate(cookie(session));
    assert.equal(principal?.kind, 'session');
    assert.equal(principal?.operator, 'Grace Hopper');
    // Another instance with the same token (a restart, a second router) accepts it.
    assert.equal(
      (await createDashboardAuth(TOKEN, memoryEpochs(store), () => now).authenticate(cookie(session)))
        ?.operator,
      'Grace Hopper',
    );
    // Another admin token (rotated) does not.
    assert.equal(
      await createDashboardAuth(`${TOKEN}-rotated`, memoryEpochs(store), () => now).authenticate(
        cookie(session),
      ),
      null,
    );
    const parts = session.split('.');
    const renamed = [...parts.slice(0, 3), Buffer.from('root').toString('base64url'), ...parts.slice(4)].join(
      '.',
    );
    assert.equal(await auth.authenticate(cookie(renamed)), null, 'the operator name is signed');
    const older = [...parts.slice(0, 4), '7', parts[5]].join('.');
    assert.equal(await auth.authenticate(cookie(older)), null, 'the epoch is signed');
    assert.equal(await auth.authenticate(cookie(`${session}x`)), null);
    assert.equal(await auth.authenticate(cookie('v1.garbage')), null);
    now += SESSION_TTL_MS + 1;
    assert.equal(await auth.authenticate(cookie(session)), null, 'expired');
  });

  it('ends every session of an operator at logout, in every process, and only theirs', async () => {
    const store = new Map<string, number>();
    const here = createDashboardAuth(TOKEN, memoryEpochs(store));
    const there = createDashboardAuth(TOKEN, memoryEpochs(store));
    const cookie = (value: string) => request({ cookie: `${SESSION_COOKIE}=${value}` });
    const ada = await here.issueSession('Ada');
    const adaElsewhere = await there.issueSession('Ada');
    const grace = await here.issueSession('Grace');
    await there.endSessions('Ada');
    assert.equal(await here.authenticate(cookie(ada)), null, 'refused after logout');
    assert.equal(await there.authenticate(cookie(adaElsewhere)), null, 'her other browser too');
    assert.equal((await here.authenticate(cookie(grace)))?.operator, 'Grace', 'others stay logged in');
    const again = await here.issueSession('Ada');
    assert.equal((await there.authenticate(cookie(again)))?.operator, 'Ada', 'a new login works');
  });

  it('accepts both admin tokens during a rotation, and ends the sessions when the current one changes', async () => {
    const store = new Map<string, number>();
    const cookie = (value: string) => request({ cookie: `${SESSION_COOKIE}=${value}` });
    const before = createDashboardAuth(TOKEN, memoryEpochs(store));
    const session = await before.issueSession('Ada');
    // Step 1: the new token is accepted next to the current one; sessions go on.
    const during = createDashboardAuth([TOKEN, `${TOKEN}-new`], memoryEpochs(store));
    assert.equal(during.tokenMatches(TOKEN), true);
    assert.equal(during.tokenMatches(`${TOKEN}-new`), true);
    assert.equal(
      (await during.authenticate(request({ authorization: `Bearer ${TOKEN}-new` })))?.kind,
      'bearer',
    );
    assert.equal((await during.authenticate(cookie(session)))?.operator, 'Ada');
    // Step 2: the new token is the only one; the old token and the sessions it signed are refused.
    const after = createDashboardAuth(`${TOKEN}-new`, memoryEpochs(store));
    assert.equal(await after.authenticate(cookie(session)), null);
    assert.equal(after.tokenMatches(TOKEN), false);
    assert.equal(await after.authenticate(request({ authorization: `Bearer ${TOKEN}` })), null);
  });

  it('checks the per-session CSRF token; bearer clients need none', async () => {
    const auth = createDashboardAuth(TOKEN, memoryEpochs());
    const a = (await auth.authenticate(
      request({ cookie: `${SESSION_COOKIE}=${await auth.issueSession('a')}` }),
    ))!;
    const b = (await auth.authenticate(
      request({ cookie: `${SESSION_COOKIE}=${await auth.issueSession('b')}` }),
    ))!;
    assert.ok(a.kind === 'session' && b.kind === 'session');
    assert.equal(auth.checkCsrf(a, a.csrf), true);
    assert.equal(auth.checkCsrf(a, b.csrf), false, 'another session’s token');
    assert.equal(auth.checkCsrf(a, undefined), false);
    assert.equal(auth.checkCsrf({ kind: 'bearer', operator: 'api' }, undefined), true);
  });

  it('signs the one-shot messages', () => {
    const auth = createDashboardAuth(TOKEN, memoryEpochs());
    const sealed = auth.sealFlash({ tone: 'ok', text: 'Stopped.' });
    assert.deepEqual(auth.openFlash(sealed), { tone: 'ok', text: 'Stopped.' });
    const forged = `${Buffer.from(JSON.stringify({ tone: 'ok', text: 'Send money to …' })).toString('base64url')}.${sealed.split('.')[1]}`;
    assert.equal(auth.openFlash(forged), null);
  });

  it('recognises same-origin posts and only returns to local /ui paths after login', () => {
    assert.equal(
      sameOrigin(
        request({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }),
      ),
      true,
    );
    assert.equal(sameOrigin(request({ host: '127.0.0.1:8080' })), true, 'old clients send neither header');
    assert.equal(sameOrigin(request({ host: '127.0.0.1:8080', origin: 'http://evil.example' })), false);
    assert.equal(sameOrigin(request({ host: '127.0.0.1:8080', origin: 'null' })), false);
    assert.equal(sameOrigin(request({ host: '127.0.0.1:8080', 'sec-fetch-site': 'cross-site' })), false);
    assert.equal(safeNext('/ui/experiments?status=running'), '/ui/experiments?status=running');
    for (const bad of [
      'https://evil.example/ui',
      '//evil.example/ui',
      '/uix',
      '/v1/admin',
      '/ui\\@evil',
      null,
    ])
      assert.equal(safeNext(bad), '/ui', String(bad));
  });

  it('escapes every interpolated value, in HTML and in the charts', () => {
    const name = '<img src=x onerror=alert(1)>"\'';
    assert.equal(
      html`<td title="${name}">${name}</td>`.html,
      '<td title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;</td>',
    );
    const svg = [
      lineChart({
        series: [
          {
            name,
            points: [
              { x: 1, y: 2 },
              { x: 2, y: 3 },
            ],
          },
        ],
        ariaLabel: name,
        title: name,
      }),
      groupedBarChart({ categories: [name, 'b'], series: [{ name, values: [0.5, 0.5] }], ariaLabel: name }),
      timelineChart({
        lanes: [{ name, segments: [{ from: 0, to: 10, label: name }] }],
        start: 0,
        end: 10,
        ariaLabel: name,
      }),
    ].join('');
    assert.doesNotMatch(svg, /<img/);
    assert.doesNotMatch(svg, /NaN|Infinity/);
  });

  it('draws empty and degenerate data without NaN', () => {
    const charts = [
      lineChart({ series: [], ariaLabel: 'empty' }),
      lineChart({ series: [{ name: 'one', points: [{ x: 5, y: 1 }] }], ariaLabel: 'one point', x: 'time' }),
      lineChart({
        series: [
          {
            name: 'p',
            points: [
              { x: 1, y: 1 },
              { x: 2, y: 1 },
            ],
          },
        ],
        ariaLabel: 'flat log',
        y: 'log',
        refLines: [{ y: 0.05, label: 'α' }],
      }),
      groupedBarChart({ categories: [], series: [], ariaLabel: 'no bins' }),
      groupedBarChart({ categories: ['a'], series: [{ name: 'zero', values: [0] }], ariaLabel: 'zeros' }),
      timelineChart({ lanes: [], start: 10, end: 10, ariaLabel: 'no lanes' }),
    ];
    for (const svg of charts) {
      assert.match(svg, /^<svg class="chart"/);
      assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    }
    assert.match(charts[0]!, /no data yet/);
  });
});

/** Logout and token rotation through the dashboard's HTTP surface, two dashboards on one PostgreSQL. */
describe('dashboard sessions end at logout and at token rotation (real PostgreSQL)', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  const apps: FastifyInstance[] = [];

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    for (const app of apps) await app.close();
    await database.drop();
  });

  /** A dashboard process of its own (as on another host), answering requests injected in-process. */
  async function dashboardApp(adminToken: string | string[]): Promise<FastifyInstance> {
    const app = await buildDashboardApp({
      db: database.db,
      temporal: () => Promise.reject(new Error('no Temporal in this test')),
      namespace: 'default',
      adminToken,
      onError: (error) => {
        throw error;
      },
    });
    apps.push(app);
    return app;
  }

  const postForm = (app: FastifyInstance, url: string, fields: Record<string, string>, cookie?: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      payload: new URLSearchParams(fields).toString(),
    });

  async function login(app: FastifyInstance, name: string, token = TOKEN): Promise<string> {
    const response = await postForm(app, '/ui/login', { token, name, next: '/ui/alerts' });
    assert.equal(response.statusCode, 303, response.body);
    const set = String(response.headers['set-cookie'] ?? '');
    const value = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(set)?.[1];
    assert.ok(value, set);
    return `${SESSION_COOKIE}=${value}`;
  }
  const alertsPage = (app: FastifyInstance, cookie: string) =>
    app.inject({ url: '/ui/alerts', headers: { cookie } });

  it('answers every path with the security headers, and unknown methods with a 405 naming the allowed ones', async () => {
    const app = await dashboardApp(TOKEN);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const [method, url, status] of [
      ['GET', '/ui/login', 303],
      ['GET', '/ui', 200],
      ['GET', '/ui/', 200],
      ['HEAD', '/ui/alerts', 200],
      ['GET', '/ui/nothing/here', 404],
      ['GET', '/v1/route', 404],
      ['DELETE', '/ui/alerts', 405],
      ['GET', '/ui/alerts/1/ack', 405],
      ['PUT', '/ui/login', 405],
    ] as const) {
      const response = await app.inject({ method, url, headers: bearer });
      assert.equal(response.statusCode, status, `${method} ${url}`);
      assert.match(String(response.headers['content-security-policy']), /default-src 'none'/, url);
      assert.equal(response.headers['x-frame-options'], 'DENY', url);
      assert.equal(response.headers['cache-control'], 'no-store', url);
      if (status === 405) assert.ok(response.headers.allow, `${method} ${url} names the allowed methods`);
      if (method === 'HEAD' || status === 303) assert.equal(response.body, '');
      else assert.match(String(response.headers['content-type']), /^text\/html; charset=utf-8/, url);
    }
    assert.equal(
      (await app.inject({ method: 'GET', url: '/ui/alerts/1/ack', headers: bearer })).headers.allow,
      'POST',
    );
  });

  it('sends visitors to the login page, refuses wrong tokens, and takes only small url-encoded forms', async () => {
    const app = await dashboardApp(TOKEN);
    const visitor = await app.inject({ url: '/ui/experiments?status=running' });
    assert.equal(visitor.statusCode, 303);
    assert.equal(
      visitor.headers.location,
      `/ui/login?next=${encodeURIComponent('/ui/experiments?status=running')}`,
    );
    const wrong = await app.inject({ url: '/ui', headers: { authorization: 'Bearer not-the-admin-token' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="galfriday-ui"');
    assert.equal((await app.inject({ method: 'POST', url: '/ui/alerts/1/ack' })).statusCode, 401);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const json = await app.inject({
      method: 'POST',
      url: '/ui/alerts/1/ack',
      headers: { ...bearer, 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(json.statusCode, 415);
    assert.match(json.body, /forms must be sent as application\/x-www-form-urlencoded/);
    const empty = await app.inject({ method: 'POST', url: '/ui/alerts/1/ack', headers: bearer });
    assert.equal(empty.statusCode, 415, 'a POST without a form');
    const huge = await app.inject({
      method: 'POST',
      url: '/ui/alerts/1/ack',
      headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `reason=${'x'.repeat(20_000)}`,
    });
    assert.equal(huge.statusCode, 413);
    assert.match(huge.body, /form too large/);
    // A bearer client needs no CSRF token; the alert does not exist, so the answer is a 404 page.
    const ack = await app.inject({
      method: 'POST',
      url: '/ui/alerts/999999/ack',
      headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    assert.equal(ack.statusCode, 404);
    assert.match(ack.body, /There is no alert #999999/);
  });

  it('refuses a session POST without its CSRF token or from another origin', async () => {
    const app = await dashboardApp(TOKEN);
    const ada = await login(app, 'Ada');
    const csrf = /name="csrf" value="([^"]+)"/.exec((await alertsPage(app, ada)).body)?.[1];
    assert.ok(csrf);
    const ack = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/ui/alerts/999999/ack',
        headers: { cookie: ada, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
    assert.equal((await ack({})).statusCode, 403, 'no CSRF token');
    assert.equal((await ack({ csrf: `${csrf}x` })).statusCode, 403, 'a wrong CSRF token');
    assert.equal((await ack({ csrf }, { origin: 'http://evil.example' })).statusCode, 403, 'another origin');
    assert.equal((await ack({ csrf })).statusCode, 404, 'with its token the request goes through');
    const crossLogin = await app.inject({
      method: 'POST',
      url: '/ui/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      payload: new URLSearchParams({ token: TOKEN }).toString(),
    });
    assert.equal(crossLogin.statusCode, 403);
    const cookie = String(
      (await postForm(app, '/ui/login', { token: TOKEN, name: 'Ada' })).headers['set-cookie'],
    );
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/ui/);
  });

  it('refuses a cookie from before the logout, on every dashboard, copies included', async () => {
    const a = await dashboardApp(TOKEN);
    const b = await dashboardApp(TOKEN);
    const ada = await login(a, 'Ada');
    const grace = await login(b, 'Grace');
    assert.equal((await alertsPage(b, ada)).statusCode, 200, 'any dashboard accepts the session');
    const page = (await alertsPage(a, ada)).body;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(csrf);
    const logout = await postForm(a, '/ui/logout', { csrf }, ada);
    assert.equal(logout.statusCode, 303);
    for (const app of [a, b]) {
      const replayed = await alertsPage(app, ada);
      assert.equal(replayed.statusCode, 303, 'the old cookie is refused after logout');
      assert.match(String(replayed.headers.location ?? ''), /^\/ui\/login/);
    }
    assert.equal((await alertsPage(a, grace)).statusCode, 200, 'another operator stays logged in');
    assert.equal((await alertsPage(a, await login(b, 'Ada'))).statusCode, 200, 'logging in again works');
    assert.equal(await sessionEpochOf(database.db, 'Ada'), 1);
  });

  it('refuses a cookie after the admin token changed', async () => {
    const before = await dashboardApp(TOKEN);
    const cookie = await login(before, 'Ada');
    const during = await dashboardApp([TOKEN, `${TOKEN}-new`]);
    assert.equal(
      (await alertsPage(during, cookie)).statusCode,
      200,
      'both tokens accepted during the rotation',
    );
    assert.equal((await alertsPage(during, await login(during, 'Grace', `${TOKEN}-new`))).statusCode, 200);
    const after = await dashboardApp(`${TOKEN}-new`);
    assert.equal((await alertsPage(after, cookie)).statusCode, 303, 'refused once the token changed');
    const refused = await postForm(after, '/ui/login', { token: TOKEN, name: 'Ada' });
    assert.equal(refused.statusCode, 401, 'the old token no longer logs in');
  });
});
