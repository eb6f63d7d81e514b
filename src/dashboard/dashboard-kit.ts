import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { DashboardAuth, Flash, Principal } from './auth';
import type { DashboardContext, PageResult } from './context';
import type { DashboardOptions } from './dashboard-app';
import type { Section } from './layout';

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

/** What route handlers of the dashboard use besides the request: rendering, redirects, context. */
export interface DashboardKit {
  readonly options: DashboardOptions;
  readonly auth: DashboardAuth;
  readonly now: () => Date;
  contextFor(request: FastifyRequest): DashboardContext;
  /** A full page with the top bar (status 200). */
  show(request: FastifyRequest, reply: FastifyReply, section: Section, result: PageResult): Promise<void>;
  /** An error page with the top bar. */
  fail(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    title: string,
    message: string,
  ): Promise<void>;
  /** HTML as it is (no top bar), e.g. the login page or a report download. */
  sendHtml(reply: FastifyReply, status: number, body: string, headers?: Record<string, string>): FastifyReply;
  /** 303 to `location`, with a one-shot message for the page there. */
  back(request: FastifyRequest, reply: FastifyReply, location: string, message: Flash): FastifyReply;
  /** Sets (or, with maxAgeSeconds 0, clears) one of the dashboard's cookies. */
  setCookie(
    request: FastifyRequest,
    reply: FastifyReply,
    name: string,
    value: string,
    maxAgeSeconds: number,
  ): FastifyReply;
}

/** The methods a dashboard path may be asked with; the ones it does not serve get a 405. */
const ALL_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * Registers `handlers` on `url`, and a 405 naming them on every other method (HEAD follows GET).
 *
 * ### Examples
 * ```ts
 * servePath(app, kit, '/ui/alerts', { GET: (request, reply) => kit.show(request, reply, 'alerts', …) });
 * ```
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
 *
 * ### Examples
 * ```ts
 * formOf(request).get('csrf');
 * ```
 */
export function formOf(request: FastifyRequest): URLSearchParams {
  if (request.body instanceof URLSearchParams) return request.body;
  throw Object.assign(new Error(UNSUPPORTED_FORM), { statusCode: 415 });
}

/** What a POST with another body than a form is told. */
export const UNSUPPORTED_FORM = 'forms must be sent as application/x-www-form-urlencoded';
