import type { z } from 'zod';
import type { RouterErrorCode } from '../errors/router-error-codes';
import type { AuthScope } from '../../../http/bearer-auth';

/**
 * What a handler answers: a JSON body (serialised by the dispatcher) or raw text.
 *
 * ### Examples
 * ```ts
 * const reply: Reply = { status: 202, body: { recorded: 1, duplicates: 0, unknown: 0, results: [] } };
 * const text: Reply = { status: 200, text: '# HELP …', contentType: 'text/plain; version=0.0.4' };
 * ```
 */
export type Reply =
  | { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly status: number; readonly text: string; readonly contentType: string };

/**
 * One endpoint: how it is reached, who may call it, how its body is validated and documented,
 * and the handler. The route table is the single source of both dispatch and /openapi.json.
 *
 * ### Examples
 * ```ts
 * import type { RouteRequest } from '../api/request-schemas';
 * declare const handleRoute: RouteDefinition<RouteRequest>['handle'];
 * import { routeRequestSchema } from '../api/request-schemas';
 * import { routeResponseSchema } from '../api/response-schemas';
 * const route: RouteDefinition<RouteRequest> = {
 *   method: 'POST', path: '/v1/route', name: 'route', scope: 'engine', summary: 'Route a unit without scoring',
 *   requestSchema: routeRequestSchema, responseSchema: routeResponseSchema, successStatus: 200,
 *   errors: ['ROUTER_ERR_UNKNOWN_MODEL'], handle: handleRoute,
 * };
 * ```
 */
export interface RouteDefinition<Body = unknown> {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Metric label and OpenAPI operationId. */
  readonly name: string;
  readonly scope: AuthScope;
  readonly summary: string;
  readonly description?: string;
  /** Validates (and documents) the JSON body; routes without one ignore any body. */
  readonly requestSchema?: z.ZodType<Body>;
  /** Picks the schema for a body (outcomes: one item or a batch) so errors name the right fields. */
  readonly selectSchema?: (raw: unknown) => z.ZodType<Body>;
  /** Largest accepted body in bytes. @default 65536 */
  readonly bodyLimit?: number;
  readonly responseSchema: z.ZodType;
  readonly responseContentType?: string;
  readonly successStatus: number;
  /** Codes this route answers with besides the common ones (auth, malformed body, internal). */
  readonly errors: readonly RouterErrorCode[];
  handle(body: Body): Reply | Promise<Reply>;
}
