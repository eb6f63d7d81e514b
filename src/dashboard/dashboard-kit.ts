import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Db } from '../db/database';
import { countOpenAlerts } from '../db/repositories/alert.repository';
import { workflowListUrl, workflowUrl } from '../temporal/ui-links';
import { FLASH_COOKIE, type DashboardAuth, type Flash, type Principal, type SessionEpochs } from './auth';
import type { DashboardContext, PageResult } from './context';
import { isHttps } from './http';
import { errorPage, page, type PageChrome, type Section } from './layout';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking (bearer admin token or session cookie), or null; set before routing. */
    principal: Principal | null;
    /** The one-shot message sealed into the flash cookie by the previous redirect, if any. */
    flash: Flash | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a principal (the login and logout pages). */
    public?: boolean;
  }
}

export interface DashboardOptions {
  db: Db;
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

/**
 * What route handlers of the dashboard use besides the request: the options, auth, rendering with
 * the top bar, redirects with a one-shot message, cookies, and each page's context.
 *
 * ### Examples
 * ```ts
 * declare const request: FastifyRequest;
 * declare const reply: FastifyReply;
 * import { createDashboardAuth } from './auth';
 * declare const epochs: SessionEpochs;
 * declare const token: string | readonly string[];
 * declare const options: DashboardOptions;
 * const kit = createDashboardKit(options, createDashboardAuth(token, epochs), () => new Date());
 * await kit.fail(request, reply, 404, 'Not found', 'There is no such page.');
 * ```
 */
export function createDashboardKit(options: DashboardOptions, auth: DashboardAuth, now: () => Date) {
  const uiUrl = options.temporalUiUrl ? options.temporalUiUrl.replace(/\/+$/, '') : undefined;
  const chromeFor = async (principal: Principal | null, flash: Flash | null): Promise<PageChrome> => ({
    principal,
    flash,
    openAlerts: principal ? await countOpenAlerts(options.db).catch(() => 0) : 0,
    ...(principal && uiUrl ? { temporalListUrl: workflowListUrl(uiUrl, options.namespace) } : {}),
  });
  const sendHtml = (
    reply: FastifyReply,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => reply.code(status).type('text/html; charset=utf-8').headers(headers).send(body);
  const setCookie = (
    request: FastifyRequest,
    reply: FastifyReply,
    name: string,
    value: string,
    maxAgeSeconds: number,
  ) =>
    reply.setCookie(name, value, {
      path: '/ui',
      httpOnly: true,
      sameSite: 'strict',
      maxAge: maxAgeSeconds,
      secure: isHttps(request.raw),
    });
  return {
    options,
    auth,
    now,
    contextFor(request: FastifyRequest): DashboardContext {
      return {
        db: options.db,
        temporal: options.temporal,
        namespace: options.namespace,
        temporalUiUrl: uiUrl,
        workflowUrl: (id) => (uiUrl ? workflowUrl(uiUrl, options.namespace, id) : '#'),
        workflowListUrl: (query) => (uiUrl ? workflowListUrl(uiUrl, options.namespace, query) : '#'),
        principal: request.principal!,
        url: new URL(request.url, 'http://dashboard.invalid'),
        now,
      };
    },
    /** A full page with the top bar (status 200). */
    async show(request: FastifyRequest, reply: FastifyReply, section: Section, result: PageResult) {
      const chrome = await chromeFor(request.principal, request.flash);
      sendHtml(reply, 200, page(result.title, section, chrome, result.content));
    },
    /** An error page with the top bar. */
    async fail(request: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string) {
      sendHtml(reply, status, errorPage(status, title, message, await chromeFor(request.principal, null)));
    },
    /** HTML as it is (no top bar), e.g. the login page or a report download. */
    sendHtml,
    /** 303 to `location`, with a one-shot message for the page there. */
    back: (request: FastifyRequest, reply: FastifyReply, location: string, message: Flash) =>
      setCookie(request, reply, FLASH_COOKIE, auth.sealFlash(message), 60).redirect(location, 303),
    /** Sets (or, with maxAgeSeconds 0, clears) one of the dashboard's cookies. */
    setCookie,
  };
}

export type DashboardKit = ReturnType<typeof createDashboardKit>;

/** The methods a dashboard path may be asked with; the ones it does not serve get a 405. */
const ALL_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * Registers `handlers` on `url`, and a 405 naming them on every other method (HEAD follows GET).
 */
export function servePath(
  app: FastifyInstance,
  kit: DashboardKit,
  url: string,
  handlers: Partial<
    Record<'GET' | 'POST', (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>>
  >,
  options: { public?: boolean } = {},
): void {
  const allowed = Object.keys(handlers) as Array<'GET' | 'POST'>;
  const config = { public: options.public === true };
  for (const method of allowed) app.route({ method, url, config, handler: handlers[method]! });
  app.route({
    method: ALL_METHODS.filter((m) => !(allowed as string[]).includes(m)),
    url,
    config,
    exposeHeadRoute: false,
    handler: (request, reply) =>
      kit.fail(
        request,
        reply.header('Allow', allowed.join(', ')),
        405,
        'Method not allowed',
        `Use ${allowed.join(', ')}.`,
      ),
  });
}

/**
 * The form of a POST, or a 415 when the body is not `application/x-www-form-urlencoded` (or absent).
 */
export function formOf(request: FastifyRequest): URLSearchParams {
  if (request.body instanceof URLSearchParams) return request.body;
  throw Object.assign(new Error(UNSUPPORTED_FORM), { statusCode: 415 });
}

/** What a POST with another body than a form is told. */
export const UNSUPPORTED_FORM = 'forms must be sent as application/x-www-form-urlencoded';
