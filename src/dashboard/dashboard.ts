import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { loadDriftReportData } from '../reports/drift-data';
import { renderDriftReport } from '../reports/drift-report';
import { loadExperimentReportData } from '../reports/experiment-data';
import { renderExperimentReport } from '../reports/experiment-report';
import { html } from '../reports/html';
import { workflowListUrl, workflowUrl } from '../temporal/ui-links';
import { parseDuration } from '../util/duration';
import {
  cleanOperatorName,
  createDashboardAuth,
  FLASH_COOKIE,
  parseCookies,
  sameOrigin,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type Flash,
  type Principal,
  type SessionEpochs,
} from './auth';
import { countOpenAlerts } from '../db/repositories/alert.repository';
import { endOperatorSessions, sessionEpochOf } from '../db/repositories/dashboard-session.repository';
import { findModel } from '../db/repositories/model.repository';
import type { DashboardContext, PageResult } from './context';
import { classifyError } from '../errors';
import { cookie, HttpError, isHttps, readForm, redirect, safeNext, sendHtml } from './http';
import { errorPage, page, type PageChrome, type Section } from './layout';
import { acknowledgeAlert, alertsPage } from './pages/alerts.page';
import {
  EXPERIMENT_ACTIONS,
  experimentPage,
  runExperimentAction,
  type ExperimentAction,
} from './pages/experiment.page';
import { experimentsPage } from './pages/experiments.page';
import { modelPage } from './pages/model.page';
import { overviewPage } from './pages/overview.page';

export interface DashboardOptions {
  db: Kysely<Database>;
  /** Opens (or returns the already open) Temporal client; called only when a page needs it. */
  temporal: () => Promise<Client>;
  namespace: string;
  /** Base URL of the Temporal Web UI for links; omit or '' for none. */
  temporalUiUrl?: string;
  /**
   * The routing service's admin token, the only credential the dashboard accepts; during a rotation
   * the current and the next one (sessions are signed with the first).
   */
  adminToken: string | readonly string[];
  /** Where session epochs are kept. @default the `dashboard_session_epochs` table of `db` */
  sessionEpochs?: SessionEpochs;
  /** Where unexpected errors go (their details never reach the page). @default console.error */
  onError?: (error: unknown, context: { method: string; path: string }) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface Dashboard {
  /** Serves `/ui` and everything under it; resolves false (and touches nothing) for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MODEL_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const ALERT_ID = /^[0-9]{1,18}$/;
const FAILED_LOGIN_DELAY_MS = 300;

function segmentsOf(pathname: string): string[] | null {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

/**
 * The operator dashboard: server-rendered HTML under `/ui` (no scripts, no external assets), behind
 * the admin token (a bearer header, or a login form that sets an HttpOnly SameSite=Strict session
 * cookie). Experiment controls go through the experiment workflow's own updates.
 *
 * Mount it in front of the router's own routes: `if (await dashboard.handle(req, res)) return;`.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const auth = createDashboardAuth(
    options.adminToken,
    options.sessionEpochs ?? {
      current: (operator) => sessionEpochOf(options.db, operator),
      end: (operator) => endOperatorSessions(options.db, operator),
    },
  );
  const now = options.now ?? (() => new Date());
  const uiUrl = options.temporalUiUrl ? options.temporalUiUrl.replace(/\/+$/, '') : undefined;
  const onError =
    options.onError ??
    ((error: unknown, where: { method: string; path: string }) =>
      console.error(`dashboard: ${where.method} ${where.path} failed`, error));

  const chromeFor = async (principal: Principal | null, flash: Flash | null): Promise<PageChrome> => {
    let openAlerts = 0;
    if (principal) {
      openAlerts = await countOpenAlerts(options.db).catch(() => 0);
    }
    return {
      principal,
      flash,
      openAlerts,
      ...(principal && uiUrl ? { temporalListUrl: workflowListUrl(uiUrl, options.namespace) } : {}),
    };
  };

  function contextFor(principal: Principal, url: URL): DashboardContext {
    return {
      db: options.db,
      temporal: options.temporal,
      namespace: options.namespace,
      temporalUiUrl: uiUrl,
      workflowUrl: (id) => (uiUrl ? workflowUrl(uiUrl, options.namespace, id) : '#'),
      workflowListUrl: (query) => (uiUrl ? workflowListUrl(uiUrl, options.namespace, query) : '#'),
      principal,
      url,
      now,
    };
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const secure = isHttps(req);
    const parts = segmentsOf(url.pathname);
    const principal = await auth.authenticate(req);
    const cookies = parseCookies(req.headers.cookie);
    const flash = auth.openFlash(cookies.get(FLASH_COOKIE));
    const clearFlash = flash ? [cookie(FLASH_COOKIE, '', { maxAgeSeconds: 0, secure })] : [];

    const show = async (
      status: number,
      section: Section,
      result: PageResult,
      shownFlash: Flash | null = flash,
    ) =>
      sendHtml(
        req,
        res,
        status,
        page(result.title, section, await chromeFor(principal, shownFlash), result.content),
        clearFlash.length ? { 'Set-Cookie': clearFlash } : {},
      );
    const fail = async (status: number, title: string, message: string) =>
      sendHtml(
        req,
        res,
        status,
        errorPage(status, title, message, await chromeFor(principal, null)),
        clearFlash.length ? { 'Set-Cookie': clearFlash } : {},
      );
    const back = (location: string, message: Flash) =>
      redirect(res, location, [cookie(FLASH_COOKIE, auth.sealFlash(message), { maxAgeSeconds: 60, secure })]);

    if (!parts || parts[0] !== 'ui') return fail(404, 'Not found', 'There is no such page.');
    const rest = parts.slice(1);

    // --- login and logout (the only pages without a principal)
    if (rest[0] === 'login' && rest.length === 1) {
      const next = safeNext(url.searchParams.get('next'));
      if (method === 'GET') {
        if (principal) return redirect(res, next);
        return sendHtml(req, res, 200, loginPage(next, null));
      }
      if (method !== 'POST') return methodNotAllowed(req, res, 'GET, POST');
      if (!sameOrigin(req)) return fail(403, 'Forbidden', 'The login form must be posted from this site.');
      const form = await readForm(req);
      const target = safeNext(form.get('next'));
      if (!auth.tokenMatches(form.get('token') ?? '')) {
        await new Promise((r) => setTimeout(r, FAILED_LOGIN_DELAY_MS));
        return sendHtml(req, res, 401, loginPage(target, 'That is not the admin token.'));
      }
      const session = await auth.issueSession(cleanOperatorName(form.get('name') ?? undefined));
      return redirect(res, target, [
        cookie(SESSION_COOKIE, session, { maxAgeSeconds: Math.floor(SESSION_TTL_MS / 1000), secure }),
      ]);
    }
    if (rest[0] === 'logout' && rest.length === 1) {
      if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
      if (principal?.kind === 'session') {
        const form = await readForm(req);
        if (!sameOrigin(req) || !auth.checkCsrf(principal, form.get('csrf') ?? undefined))
          return fail(403, 'Forbidden', 'The form has expired; reload the page and try again.');
        // Ends this cookie and its copies everywhere, not only in this browser.
        await auth.endSessions(principal.operator);
      }
      return redirect(res, '/ui/login', [cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure })]);
    }

    if (!principal) {
      if (req.headers.authorization !== undefined) {
        return sendHtml(
          req,
          res,
          401,
          errorPage(401, 'Unauthorized', 'The bearer token is not the admin token.', { principal: null }),
          { 'WWW-Authenticate': 'Bearer realm="galfriday-ui"' },
        );
      }
      if (method === 'GET')
        return redirect(res, `/ui/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      return sendHtml(req, res, 401, errorPage(401, 'Unauthorized', 'Log in first.', { principal: null }));
    }
    const ctx = contextFor(principal, url);

    // --- state-changing requests: CSRF token (sessions) and same-origin check
    let form: URLSearchParams | undefined;
    if (method === 'POST') {
      form = await readForm(req);
      if (
        principal.kind === 'session' &&
        (!sameOrigin(req) || !auth.checkCsrf(principal, form.get('csrf') ?? undefined))
      ) {
        return fail(
          403,
          'Forbidden',
          'The form has expired or did not come from this dashboard; reload the page and try again.',
        );
      }
    } else if (method !== 'GET') {
      return methodNotAllowed(req, res, 'GET, POST');
    }

    // /ui
    if (rest.length === 0)
      return method === 'GET'
        ? show(200, 'models', await overviewPage(ctx))
        : methodNotAllowed(req, res, 'GET');

    // /ui/models/<name>[/drift-report]
    if (rest[0] === 'models' && (rest.length === 2 || (rest.length === 3 && rest[2] === 'drift-report'))) {
      const name = rest[1]!;
      if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
      if (!MODEL_NAME.test(name)) return fail(404, 'No such model', `There is no model named “${name}”.`);
      if (rest.length === 3) return driftReportDownload(req, res, ctx, name, fail);
      const result = await modelPage(ctx, name);
      return result
        ? show(200, 'models', result)
        : fail(404, 'No such model', `There is no model named “${name}”.`);
    }

    // /ui/experiments[/<id>[/report | /<action>]]
    if (rest[0] === 'experiments') {
      if (rest.length === 1)
        return method === 'GET'
          ? show(200, 'experiments', await experimentsPage(ctx))
          : methodNotAllowed(req, res, 'GET');
      const id = rest[1]!;
      const notFound = () => fail(404, 'No such experiment', `There is no experiment with id “${id}”.`);
      if (!UUID.test(id) || rest.length > 3) return notFound();
      if (rest.length === 2) {
        if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
        const result = await experimentPage(ctx, id.toLowerCase());
        return result ? show(200, 'experiments', result) : notFound();
      }
      if (rest[2] === 'report') {
        if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
        const data = await loadExperimentReportData(options.db, id.toLowerCase(), { now: now().getTime() });
        if (!data) return notFound();
        return sendHtml(req, res, 200, renderExperimentReport(data, { generatedAt: now() }), {
          'Content-Disposition': `attachment; filename="experiment-${data.experiment.experiment_id}.html"`,
        });
      }
      if ((EXPERIMENT_ACTIONS as readonly string[]).includes(rest[2]!)) {
        if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
        const message = await runExperimentAction(ctx, id.toLowerCase(), rest[2] as ExperimentAction, form!);
        return message ? back(`/ui/experiments/${id.toLowerCase()}`, message) : notFound();
      }
      return notFound();
    }

    // /ui/alerts[/<id>/ack]
    if (rest[0] === 'alerts') {
      if (rest.length === 1)
        return method === 'GET'
          ? show(200, 'alerts', await alertsPage(ctx))
          : methodNotAllowed(req, res, 'GET');
      if (rest.length === 3 && rest[2] === 'ack' && ALERT_ID.test(rest[1]!)) {
        if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
        const message = await acknowledgeAlert(ctx, rest[1]!);
        return message
          ? back('/ui/alerts', message)
          : fail(404, 'No such alert', `There is no alert #${rest[1]}.`);
      }
    }
    return fail(404, 'Not found', 'There is no such page.');
  }

  async function driftReportDownload(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: DashboardContext,
    name: string,
    fail: (status: number, title: string, message: string) => Promise<void>,
  ): Promise<void> {
    const exists = await findModel(options.db, name);
    if (!exists) return fail(404, 'No such model', `There is no model named “${name}”.`);
    let windowMs: number;
    try {
      windowMs = parseDuration(ctx.url.searchParams.get('window') ?? '24h');
    } catch {
      return fail(400, 'Bad window', 'The window must be a duration such as 6h, 24h or 7d.');
    }
    if (windowMs <= 0 || windowMs > 366 * 86_400_000)
      return fail(400, 'Bad window', 'The window must be between 1 ms and a year.');
    const source = ctx.url.searchParams.get('source') === 'bars' ? 'bars' : 'predictions';
    const to = now();
    let data: Awaited<ReturnType<typeof loadDriftReportData>>;
    try {
      data = await loadDriftReportData(options.db, {
        model: name,
        source,
        from: new Date(to.getTime() - windowMs),
        to,
      });
    } catch (error) {
      // Bad input to the statistics or the feature pipeline (e.g. bars for a model without a market).
      const failure = classifyError(error);
      if (failure.kind === 'input') {
        return fail(400, 'Cannot build the report', failure.message);
      }
      throw error;
    }
    return sendHtml(req, res, 200, renderDriftReport({ ...data, generatedAt: to }), {
      'Content-Disposition': `attachment; filename="drift-${name}.html"`,
    });
  }

  return {
    async handle(req, res) {
      const raw = req.url ?? '/';
      if (!(raw === '/ui' || raw.startsWith('/ui/') || raw.startsWith('/ui?'))) return false;
      const url = new URL(raw, 'http://dashboard.invalid');
      try {
        await handleRequest(req, res, url);
      } catch (error) {
        if (error instanceof HttpError) {
          if (!res.headersSent)
            sendHtml(
              req,
              res,
              error.status,
              errorPage(error.status, 'Bad request', error.message, { principal: null }),
            );
          else res.destroy();
          return true;
        }
        onError(error, { method: req.method ?? '?', path: url.pathname });
        if (!res.headersSent) {
          sendHtml(
            req,
            res,
            500,
            errorPage(
              500,
              'Something went wrong',
              'The page could not be built. The details are in the server log.',
              { principal: null },
            ),
          );
        } else {
          res.destroy();
        }
      }
      return true;
    },
  };
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  sendHtml(req, res, 405, errorPage(405, 'Method not allowed', `Use ${allow}.`, { principal: null }), {
    Allow: allow,
  });
}

function loginPage(next: string, error: string | null): string {
  return page(
    'Log in',
    'none',
    { principal: null, flash: error ? { tone: 'bad', text: error } : null },
    html`<section class="card login">
      <h1>Operator login</h1>
      <p class="sub">Use the routing service's admin token (<code>GALFRIDAY_ADMIN_TOKEN</code>).</p>
      <form method="post" action="/ui/login">
        <input type="hidden" name="next" value="${next}" />
        <p>
          <label for="token">Admin token</label
          ><input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            required
            autofocus
          />
        </p>
        <p>
          <label for="name">Your name (kept with the actions you take)</label
          ><input
            id="name"
            name="name"
            type="text"
            maxlength="40"
            autocomplete="username"
            placeholder="operator"
          />
        </p>
        <p><button class="primary" type="submit">Log in</button></p>
      </form>
    </section>`,
  );
}
