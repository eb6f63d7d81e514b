import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { endOperatorSessions, sessionEpochOf } from '../db/repositories/dashboard-session.repository';
import { createDashboardAuth, FLASH_COOKIE, sameOrigin } from './auth';
import { createDashboardKit, formOf, UNSUPPORTED_FORM, type DashboardOptions } from './dashboard-kit';
import { registerDashboardRoutes } from './dashboard-routes';
import { SECURITY_HEADERS } from './http';
import { errorPage } from './layout';

export type { DashboardOptions } from './dashboard-kit';

/** Largest form body the dashboard reads (its forms hold a token, a reason and a CSRF field). */
export const FORM_BODY_LIMIT = 16 * 1024;

/**
 * The operator dashboard as its own Fastify app: server-rendered HTML under `/ui` (no scripts, no
 * external assets), behind the admin token (a bearer header, or a login form that sets an HttpOnly
 * SameSite=Strict session cookie). Experiment controls go through the experiment workflow's own
 * updates. It runs in its own process or beside the router (`npm start`), never on the router's
 * event loop: a drift-report download runs a full drift check.
 *
 * Forms are parsed by a URLSearchParams content-type parser (the 10 lines of @fastify/formbody,
 * without its object form that turns repeated fields into arrays); CSRF is the session's own
 * HMAC token (see {@link createDashboardAuth}) rather than @fastify/csrf-protection, whose secret
 * would live in a second cookie and outlive a logout.
 *
 * ### Examples
 * ```ts
 * declare const adminToken: string | readonly string[];
 * declare const db: import('kysely').Kysely<import('../db/database').Database>;
 * declare const temporal: () => Promise<import('@temporalio/client').Client>;
 * const app = await buildDashboardApp({ db, temporal, namespace: 'default', adminToken });
 * await app.listen({ port: 8081 });
 * (await app.inject({ url: '/ui/login' })).statusCode; // 200
 * ```
 */
export async function buildDashboardApp(options: DashboardOptions): Promise<FastifyInstance> {
  const auth = createDashboardAuth(
    options.adminToken,
    options.sessionEpochs ?? {
      current: (operator) => sessionEpochOf(options.db, operator),
      end: (operator) => endOperatorSessions(options.db, operator),
    },
  );
  const now = options.now ?? (() => new Date());
  const onError =
    options.onError ??
    ((error: unknown, where: { method: string; path: string }) =>
      console.error(`dashboard: ${where.method} ${where.path} failed`, error));

  const app = Fastify({
    logger: false,
    bodyLimit: FORM_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    // A page that waits for Temporal must not keep a stopping process open for ever.
    forceCloseConnections: 'idle',
  });
  await app.register(fastifyCookie);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, text, done) => done(null, new URLSearchParams(text as string)),
  );
  app.decorateRequest('principal', null);
  app.decorateRequest('flash', null);

  const kit = createDashboardKit(options, auth, now);
  const { sendHtml } = kit;

  app.addHook('onRequest', async (request, reply) => {
    request.principal = await auth.authenticate(request);
    request.flash = auth.openFlash(request.cookies[FLASH_COOKIE]);
    if (request.routeOptions.config.public === true || !request.url.startsWith('/ui')) return;
    if (request.principal !== null) return;
    if (request.headers.authorization !== undefined) {
      return sendHtml(
        reply,
        401,
        errorPage(401, 'Unauthorized', 'The bearer token is not the admin token.', { principal: null }),
        { 'WWW-Authenticate': 'Bearer realm="galfriday-ui"' },
      );
    }
    if (request.method === 'GET' || request.method === 'HEAD')
      return reply.redirect(`/ui/login?next=${encodeURIComponent(request.url)}`, 303);
    return sendHtml(reply, 401, errorPage(401, 'Unauthorized', 'Log in first.', { principal: null }));
  });
  // State-changing requests: a form body, and for sessions the CSRF token and a same-origin check.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions.config.public === true) return;
    const csrf = formOf(request).get('csrf') ?? undefined;
    const principal = request.principal!;
    if (principal.kind === 'session' && (!sameOrigin(request) || !auth.checkCsrf(principal, csrf))) {
      return kit.fail(
        request,
        reply,
        403,
        'Forbidden',
        'The form has expired or did not come from this dashboard; reload the page and try again.',
      );
    }
  });
  // Every response, errors included, gets the security headers. A shown message is used up; a
  // redirect carries the next one.
  app.addHook('onSend', async (request, reply) => {
    if (request.flash !== null && reply.statusCode !== 303)
      kit.setCookie(request, reply, FLASH_COOKIE, '', 0);
    reply.headers(SECURITY_HEADERS);
  });

  app.setNotFoundHandler((request, reply) =>
    request.url === '/'
      ? reply.redirect('/ui', 303)
      : kit.fail(request, reply, 404, 'Not found', 'There is no such page.'),
  );
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendHtml(
        reply,
        status,
        errorPage(status, 'Bad request', clientMessage(error), { principal: null }),
      );
    }
    onError(error, { method: request.method, path: request.url.split('?')[0]! });
    const message = 'The page could not be built. The details are in the server log.';
    return sendHtml(reply, 500, errorPage(500, 'Something went wrong', message, { principal: null }));
  });

  registerDashboardRoutes(app, kit);
  return app;
}

/** What a client error says on the page: the dashboard's own words for Fastify's body errors. */
function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return UNSUPPORTED_FORM;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'form too large';
  return error.message;
}
