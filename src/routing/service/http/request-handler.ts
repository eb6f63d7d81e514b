import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import { RouterError } from '../errors/router-error';
import type { HistogramChild, CounterChild } from '../observability/metrics-registry';
import type { RouterLogger } from '../observability/router-logger';
import type { RouterMetrics } from '../observability/router-metrics';
import { scopeGrants, type BearerAuth } from '../../../http/bearer-auth';
import { CLIENT_CLOSED_REQUEST, ClientAbortedError } from './client-aborted-error';
import { readBody } from './read-body';
import type { Reply, RouteDefinition } from './route-definition';

/**
 * Default body limit of an endpoint: a predict request with a few hundred features fits easily.
 */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

interface CompiledRoute {
  route: RouteDefinition;
  duration: HistogramChild;
  statuses: Map<number, CounterChild>;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

/**
 * Most validation issues listed in an error's `details`; `issueCount` gives the total. An invalid
 * 700 KB batch has tens of thousands of issues: listing them all gave a 4.6 MB error body and
 * blocked the event loop for a quarter of a second.
 */
export const MAX_LISTED_ISSUES = 20;

/**
 * Turns a zod failure into ROUTER_ERR_VALIDATION naming the first bad field, with the first
 * {@link MAX_LISTED_ISSUES} issues in `details` and their number in `issueCount`.
 *
 * ### Examples
 * ```ts
 * declare const schema: z.ZodType;
 * declare const body: unknown;
 * validationError(schema.safeParse(body).error!);
 * // RouterError 'unitId: Too small: expected string to have >=1 characters' (field 'unitId')
 * ```
 */
export function validationError(error: z.ZodError): RouterError {
  const issues = error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    // An unknown key is reported at the object; name the key itself.
    const keys = (issue as { keys?: string[] }).keys;
    const path = keys !== undefined && keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    return { field: fieldPath(path) || '(body)', message: issue.message };
  });
  const first = issues[0] ?? { field: '(body)', message: 'invalid' };
  const more = error.issues.length - issues.length;
  return new RouterError(
    'ROUTER_ERR_VALIDATION',
    `${first.field}: ${first.message}${more > 0 ? ` (and ${more} more issues; details lists the first ${issues.length})` : ''}`,
    { field: first.field, details: issues, issueCount: error.issues.length },
  );
}

/**
 * Options of {@link createRequestHandler}.
 *
 * ### Examples
 * ```ts
 * declare const auth: BearerAuth;
 * declare const logger: RouterLogger;
 * declare const metrics: RouterMetrics;
 * declare const routes: readonly RouteDefinition<never>[];
 * createRequestHandler({ routes, auth, metrics, logger, isDraining: () => false });
 * ```
 */
export interface RequestHandlerOptions {
  readonly routes: readonly RouteDefinition<never>[];
  readonly auth: BearerAuth;
  readonly metrics: RouterMetrics;
  readonly logger: RouterLogger;
  /** True while the service drains: every response then carries `Connection: close`. */
  readonly isDraining?: () => boolean;
}

/**
 * The `node:http` request listener: route lookup, bearer auth by scope, size-limited JSON body,
 * zod validation, the handler, and one error path that maps RouterError to its registered status
 * and everything else to a 500 whose details stay in the log. Latency and status are recorded per
 * route.
 *
 * ### Examples
 * ```ts
 * import http from 'node:http';
 * declare const options: RequestHandlerOptions;
 * const server = http.createServer(createRequestHandler(options));
 * ```
 */
export function createRequestHandler(
  options: RequestHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { metrics, logger, auth } = options;
  const isDraining = options.isDraining ?? (() => false);
  const byPath = new Map<string, Map<string, CompiledRoute>>();
  for (const route of options.routes as readonly RouteDefinition[]) {
    const methods = byPath.get(route.path) ?? new Map<string, CompiledRoute>();
    methods.set(route.method, {
      route,
      duration: metrics.requestDuration.labels(route.name),
      statuses: new Map(),
    });
    byPath.set(route.path, methods);
  }
  const unmatched: CompiledRoute = {
    route: { name: 'unmatched' } as RouteDefinition,
    duration: metrics.requestDuration.labels('unmatched'),
    statuses: new Map(),
  };

  const count = (compiled: CompiledRoute, status: number, started: number): void => {
    let counter = compiled.statuses.get(status);
    if (counter === undefined) {
      counter = metrics.requests.labels(compiled.route.name, String(status));
      compiled.statuses.set(status, counter);
    }
    counter.inc();
    compiled.duration.observe((performance.now() - started) / 1000);
  };

  const finish = (
    compiled: CompiledRoute,
    res: ServerResponse,
    reply: Reply,
    started: number,
    close: boolean,
  ): void => {
    let text: string;
    let type: string;
    if ('text' in reply) {
      text = reply.text;
      type = reply.contentType;
    } else {
      text = JSON.stringify(reply.body);
      type = 'application/json; charset=utf-8';
    }
    const headers: Record<string, string | number> = {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-type': type,
      'content-length': Buffer.byteLength(text),
    };
    if ('headers' in reply && reply.headers) Object.assign(headers, reply.headers);
    // After refusing an oversized or unread body, close instead of draining what the client sends;
    // while the service drains, close so that keep-alive clients reconnect to another instance.
    if (close || isDraining()) headers.connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(text);
    count(compiled, reply.status, started);
  };

  const fail = (
    compiled: CompiledRoute,
    res: ServerResponse,
    error: unknown,
    started: number,
    req: IncomingMessage,
  ): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ClientAbortedError || (req.socket.destroyed && error instanceof RouterError)) {
      count(compiled, CLIENT_CLOSED_REQUEST, started);
      logger.debug('client closed the connection before the answer', {
        route: compiled.route.name,
        error: (error as Error).message,
      });
      res.destroy();
      return;
    }
    if (error instanceof RouterError) {
      const close = error.code === 'ROUTER_ERR_PAYLOAD_TOO_LARGE' || !req.complete;
      const extra: Record<string, string> | undefined =
        error.code === 'ROUTER_ERR_UNAUTHORIZED'
          ? { 'www-authenticate': 'Bearer' }
          : error.code === 'ROUTER_ERR_METHOD_NOT_ALLOWED'
            ? { allow: (error.details as { allow: string[] }).allow.join(', ') }
            : undefined;
      finish(
        compiled,
        res,
        { status: error.status, body: error.toBody(), ...(extra ? { headers: extra } : {}) },
        started,
        close,
      );
      return;
    }
    logger.error('request failed', { route: compiled.route.name, error });
    const internal = new RouterError('ROUTER_ERR_INTERNAL', 'internal error; see the router log');
    finish(compiled, res, { status: 500, body: internal.toBody() }, started, !req.complete);
  };

  // Synchronous handlers (route, signal, health) answer in the same tick as the body's 'end'
  // event; only handlers that really wait (predict's inference, outcomes' commit) pay for a promise.
  const dispatch = (
    compiled: CompiledRoute,
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    body: unknown,
  ): void => {
    let reply: Reply | Promise<Reply>;
    try {
      reply = compiled.route.handle(body as never);
    } catch (error) {
      fail(compiled, res, error, started, req);
      return;
    }
    if (reply instanceof Promise) {
      reply.then(
        (value) => finish(compiled, res, value, started, false),
        (error: unknown) => fail(compiled, res, error, started, req),
      );
    } else {
      finish(compiled, res, reply, started, false);
    }
  };

  const parse = (compiled: CompiledRoute, bytes: Buffer): unknown => {
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new RouterError(
        'ROUTER_ERR_MALFORMED_JSON',
        `body is not valid JSON: ${(error as Error).message}`,
      );
    }
    const route = compiled.route;
    const schema = route.selectSchema !== undefined ? route.selectSchema(raw) : route.requestSchema!;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    return parsed.data;
  };

  const handle = (
    compiled: CompiledRoute,
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
  ): void => {
    const { route } = compiled;
    if (route.scope !== 'public') {
      const scope = auth.scopeOf(req.headers.authorization);
      if (scope === null) throw new RouterError('ROUTER_ERR_UNAUTHORIZED', 'missing or unknown bearer token');
      if (!scopeGrants(scope, route.scope)) {
        throw new RouterError(
          'ROUTER_ERR_FORBIDDEN',
          `this endpoint needs the ${route.scope} token, not the ${scope} token`,
        );
      }
    }
    if (route.requestSchema === undefined && route.selectSchema === undefined) {
      dispatch(compiled, req, res, started, undefined);
      return;
    }
    const type = req.headers['content-type'];
    if (type === undefined || !JSON_TYPE.test(type)) {
      throw new RouterError(
        'ROUTER_ERR_UNSUPPORTED_MEDIA_TYPE',
        `expected content-type application/json, got ${type ?? 'none'}`,
      );
    }
    readBody(req, route.bodyLimit ?? DEFAULT_BODY_LIMIT, (error, bytes) => {
      if (error !== null) {
        fail(compiled, res, error, started, req);
        return;
      }
      let body: unknown;
      try {
        body = parse(compiled, bytes!);
      } catch (parseError) {
        fail(compiled, res, parseError, started, req);
        return;
      }
      dispatch(compiled, req, res, started, body);
    });
  };

  return (req, res) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const methods = byPath.get(q < 0 ? url : url.slice(0, q));
    let compiled = methods?.get(req.method ?? 'GET');
    if (compiled === undefined) {
      const error =
        methods === undefined
          ? new RouterError(
              'ROUTER_ERR_NOT_FOUND',
              `no endpoint ${req.method} ${q < 0 ? url : url.slice(0, q)}`,
            )
          : new RouterError('ROUTER_ERR_METHOD_NOT_ALLOWED', `use ${[...methods.keys()].join(' or ')}`, {
              details: { allow: [...methods.keys()] },
            });
      compiled = unmatched;
      fail(compiled, res, error, started, req);
      return;
    }
    try {
      handle(compiled, req, res, started);
    } catch (error) {
      fail(compiled, res, error, started, req);
    }
  };
}
