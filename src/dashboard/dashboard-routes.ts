import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findModel } from '../db/repositories/model.repository';
import { classifyError } from '../errors';
import { loadDriftReportData } from '../reports/drift-data';
import { renderDriftReport } from '../reports/drift-report';
import { loadExperimentReportData } from '../reports/experiment-data';
import { renderExperimentReport } from '../reports/experiment-report';
import { html } from '../reports/html';
import { parseDuration } from '../util/duration';
import { cleanOperatorName, sameOrigin, SESSION_COOKIE, SESSION_TTL_MS } from './auth';
import { formOf, servePath, type DashboardKit } from './dashboard-kit';
import { safeNext } from './http';
import { page } from './layout';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MODEL_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const ALERT_ID = /^[0-9]{1,18}$/;
const FAILED_LOGIN_DELAY_MS = 300;

type Params = Record<string, string>;
const param = (request: FastifyRequest, name: string): string => (request.params as Params)[name]!;
const query = (request: FastifyRequest, name: string): string | null =>
  new URL(request.url, 'http://dashboard.invalid').searchParams.get(name);

/**
 * The dashboard's pages: login and logout, the overview, models (and their drift report), the
 * experiments (their report and controls) and the alerts. Each path answers its own methods and a
 * 405 for the others; authentication and CSRF are the app's hooks (dashboard-app.ts).
 */
export function registerDashboardRoutes(app: FastifyInstance, kit: DashboardKit): void {
  const { auth } = kit;

  servePath(
    app,
    kit,
    '/ui/login',
    {
      GET: async (request, reply) => {
        const next = safeNext(query(request, 'next'));
        if (request.principal) return reply.redirect(next, 303);
        return kit.sendHtml(reply, 200, loginPage(next, null));
      },
      POST: async (request, reply) => {
        if (!sameOrigin(request))
          return kit.fail(request, reply, 403, 'Forbidden', 'The login form must be posted from this site.');
        const fields = formOf(request);
        const target = safeNext(fields.get('next'));
        if (!auth.tokenMatches(fields.get('token') ?? '')) {
          await new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS));
          return kit.sendHtml(reply, 401, loginPage(target, 'That is not the admin token.'));
        }
        const session = await auth.issueSession(cleanOperatorName(fields.get('name') ?? undefined));
        return kit
          .setCookie(request, reply, SESSION_COOKIE, session, Math.floor(SESSION_TTL_MS / 1000))
          .redirect(target, 303);
      },
    },
    { public: true },
  );

  servePath(
    app,
    kit,
    '/ui/logout',
    {
      POST: async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind === 'session') {
          const fields = formOf(request);
          if (!sameOrigin(request) || !auth.checkCsrf(principal, fields.get('csrf') ?? undefined))
            return kit.fail(
              request,
              reply,
              403,
              'Forbidden',
              'The form has expired; reload the page and try again.',
            );
          // Ends this cookie and its copies everywhere, not only in this browser.
          await auth.endSessions(principal.operator);
        }
        return kit.setCookie(request, reply, SESSION_COOKIE, '', 0).redirect('/ui/login', 303);
      },
    },
    { public: true },
  );

  servePath(app, kit, '/ui', {
    GET: async (request, reply) =>
      kit.show(request, reply, 'models', await overviewPage(kit.contextFor(request))),
  });

  const noSuchModel = (request: FastifyRequest, reply: FastifyReply, name: string) =>
    kit.fail(request, reply, 404, 'No such model', `There is no model named “${name}”.`);
  servePath(app, kit, '/ui/models/:name', {
    GET: async (request, reply) => {
      const name = param(request, 'name');
      const result = MODEL_NAME.test(name) ? await modelPage(kit.contextFor(request), name) : null;
      return result ? kit.show(request, reply, 'models', result) : noSuchModel(request, reply, name);
    },
  });
  servePath(app, kit, '/ui/models/:name/drift-report', {
    GET: async (request, reply) => {
      const name = param(request, 'name');
      if (!MODEL_NAME.test(name) || !(await findModel(kit.options.db, name)))
        return noSuchModel(request, reply, name);
      return driftReportDownload(kit, request, reply, name);
    },
  });

  servePath(app, kit, '/ui/experiments', {
    GET: async (request, reply) =>
      kit.show(request, reply, 'experiments', await experimentsPage(kit.contextFor(request))),
  });
  const experimentId = (request: FastifyRequest): string | null => {
    const id = param(request, 'id');
    return UUID.test(id) ? id.toLowerCase() : null;
  };
  const noSuchExperiment = (request: FastifyRequest, reply: FastifyReply) =>
    kit.fail(
      request,
      reply,
      404,
      'No such experiment',
      `There is no experiment with id “${param(request, 'id')}”.`,
    );
  servePath(app, kit, '/ui/experiments/:id', {
    GET: async (request, reply) => {
      const id = experimentId(request);
      const result = id === null ? null : await experimentPage(kit.contextFor(request), id);
      return result ? kit.show(request, reply, 'experiments', result) : noSuchExperiment(request, reply);
    },
  });
  servePath(app, kit, '/ui/experiments/:id/report', {
    GET: async (request, reply) => {
      const id = experimentId(request);
      const data =
        id === null ? null : await loadExperimentReportData(kit.options.db, id, { now: kit.now().getTime() });
      if (!data) return noSuchExperiment(request, reply);
      return kit.sendHtml(reply, 200, renderExperimentReport(data, { generatedAt: kit.now() }), {
        'Content-Disposition': `attachment; filename="experiment-${data.experiment.experiment_id}.html"`,
      });
    },
  });
  for (const action of EXPERIMENT_ACTIONS) {
    servePath(app, kit, `/ui/experiments/:id/${action}`, {
      POST: async (request, reply) => {
        const id = experimentId(request);
        const message =
          id === null
            ? null
            : await runExperimentAction(
                kit.contextFor(request),
                id,
                action as ExperimentAction,
                formOf(request),
              );
        return message
          ? kit.back(request, reply, `/ui/experiments/${id}`, message)
          : noSuchExperiment(request, reply);
      },
    });
  }

  servePath(app, kit, '/ui/alerts', {
    GET: async (request, reply) =>
      kit.show(request, reply, 'alerts', await alertsPage(kit.contextFor(request))),
  });
  servePath(app, kit, '/ui/alerts/:id/ack', {
    POST: async (request, reply) => {
      const id = param(request, 'id');
      if (!ALERT_ID.test(id)) return kit.fail(request, reply, 404, 'Not found', 'There is no such page.');
      const message = await acknowledgeAlert(kit.contextFor(request), id);
      return message
        ? kit.back(request, reply, '/ui/alerts', message)
        : kit.fail(request, reply, 404, 'No such alert', `There is no alert #${id}.`);
    },
  });
}

async function driftReportDownload(
  kit: DashboardKit,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
): Promise<unknown> {
  let windowMs: number;
  try {
    windowMs = parseDuration(query(request, 'window') ?? '24h');
  } catch {
    return kit.fail(
      request,
      reply,
      400,
      'Bad window',
      'The window must be a duration such as 6h, 24h or 7d.',
    );
  }
  if (windowMs <= 0 || windowMs > 366 * 86_400_000)
    return kit.fail(request, reply, 400, 'Bad window', 'The window must be between 1 ms and a year.');
  const source = query(request, 'source') === 'bars' ? 'bars' : 'predictions';
  const to = kit.now();
  let data: Awaited<ReturnType<typeof loadDriftReportData>>;
  try {
    data = await loadDriftReportData(kit.options.db, {
      model: name,
      source,
      from: new Date(to.getTime() - windowMs),
      to,
    });
  } catch (error) {
    // Bad input to the statistics or the feature pipeline (e.g. bars for a model without a market).
    const failure = classifyError(error);
    if (failure.kind === 'input')
      return kit.fail(request, reply, 400, 'Cannot build the report', failure.message);
    throw error;
  }
  return kit.sendHtml(reply, 200, renderDriftReport({ ...data, generatedAt: to }), {
    'Content-Disposition': `attachment; filename="drift-${name}.html"`,
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
