import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createDashboardAuth, sameOrigin, SESSION_COOKIE, SESSION_TTL_MS } from '../../../src/dashboard/auth';
import { safeNext } from '../../../src/dashboard/http';
import { groupedBarChart, lineChart, timelineChart } from '../../../src/reports/charts';
import { html } from '../../../src/reports/html';

const TOKEN = 'admin-token-for-the-security-test';

const request = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;

/** Pure checks of the dashboard's auth and rendering primitives (no servers). */
describe('dashboard security primitives', () => {
  it('accepts the admin token as a bearer header (any scheme case) and nothing else', () => {
    const auth = createDashboardAuth(TOKEN);
    assert.equal(auth.authenticate(request({ authorization: `Bearer ${TOKEN}` }))?.kind, 'bearer');
    assert.equal(auth.authenticate(request({ authorization: `bearer ${TOKEN}` }))?.kind, 'bearer');
    assert.equal(auth.authenticate(request({ authorization: `Bearer ${TOKEN}x` })), null);
    assert.equal(auth.authenticate(request({ authorization: `Basic ${TOKEN}` })), null);
    assert.equal(auth.authenticate(request({})), null);
    assert.equal(auth.tokenMatches(TOKEN), true);
    assert.equal(auth.tokenMatches(TOKEN.slice(0, -1)), false);
    assert.equal(auth.tokenMatches(''), false);
    assert.throws(() => createDashboardAuth('short'), /admin token/);
  });

  it('issues sessions that survive a restart, and refuses tampered, foreign or expired ones', () => {
    let now = 1_700_000_000_000;
    const auth = createDashboardAuth(TOKEN, () => now);
    const session = auth.issueSession('Grace Hopper');
    const cookie = (value: string) => request({ cookie: `other=1; ${SESSION_COOKIE}=${value}` });
    const principal = auth.authenticate(cookie(session));
    assert.equal(principal?.kind, 'session');
    assert.equal(principal?.operator, 'Grace Hopper');
    // Another instance with the same token (a restart, a second router) accepts it.
    assert.equal(
      createDashboardAuth(TOKEN, () => now).authenticate(cookie(session))?.operator,
      'Grace Hopper',
    );
    // Another admin token (rotated) does not.
    assert.equal(createDashboardAuth(`${TOKEN}-rotated`, () => now).authenticate(cookie(session)), null);
    const parts = session.split('.');
    const renamed = [...parts.slice(0, 3), Buffer.from('root').toString('base64url'), parts[4]].join('.');
    assert.equal(auth.authenticate(cookie(renamed)), null, 'the operator name is signed');
    assert.equal(auth.authenticate(cookie(`${session}x`)), null);
    assert.equal(auth.authenticate(cookie('v1.garbage')), null);
    now += SESSION_TTL_MS + 1;
    assert.equal(auth.authenticate(cookie(session)), null, 'expired');
  });

  it('checks the per-session CSRF token; bearer clients need none', () => {
    const auth = createDashboardAuth(TOKEN);
    const a = auth.authenticate(request({ cookie: `${SESSION_COOKIE}=${auth.issueSession('a')}` }))!;
    const b = auth.authenticate(request({ cookie: `${SESSION_COOKIE}=${auth.issueSession('b')}` }))!;
    assert.ok(a.kind === 'session' && b.kind === 'session');
    assert.equal(auth.checkCsrf(a, a.csrf), true);
    assert.equal(auth.checkCsrf(a, b.csrf), false, 'another session’s token');
    assert.equal(auth.checkCsrf(a, undefined), false);
    assert.equal(auth.checkCsrf({ kind: 'bearer', operator: 'api' }, undefined), true);
  });

  it('signs the one-shot messages', () => {
    const auth = createDashboardAuth(TOKEN);
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
