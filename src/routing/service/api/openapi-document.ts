import { z } from 'zod';
import { ROUTER_ERROR_CODES, type RouterErrorCode } from '../errors/router-error-codes';
import type { RouteDefinition } from '../http/route-definition';
import { errorResponseSchema } from './response-schemas';

const COMMON_ERRORS: Record<RouteDefinition['scope'], RouterErrorCode[]> = {
  public: ['ROUTER_ERR_INTERNAL'],
  engine: ['ROUTER_ERR_UNAUTHORIZED', 'ROUTER_ERR_FORBIDDEN', 'ROUTER_ERR_INTERNAL'],
  admin: ['ROUTER_ERR_UNAUTHORIZED', 'ROUTER_ERR_FORBIDDEN', 'ROUTER_ERR_INTERNAL'],
  metrics: ['ROUTER_ERR_UNAUTHORIZED', 'ROUTER_ERR_FORBIDDEN', 'ROUTER_ERR_INTERNAL'],
};
const BODY_ERRORS: RouterErrorCode[] = [
  'ROUTER_ERR_MALFORMED_JSON',
  'ROUTER_ERR_VALIDATION',
  'ROUTER_ERR_PAYLOAD_TOO_LARGE',
  'ROUTER_ERR_UNSUPPORTED_MEDIA_TYPE',
];

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): unknown =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });

/**
 * The OpenAPI 3.0 document of the routing service, generated from the route table: request bodies
 * and responses from their zod schemas, security from each route's scope, and error responses from
 * the error registry (only codes whose status is an HTTP status of the route; per-item codes are
 * described in the text).
 *
 * ### Examples
 * ```ts
 * import { createRoutes } from '../routes';
 * declare const context: import('../routing-context').RoutingContext;
 * const doc = buildOpenApiDocument(createRoutes(context));
 * Object.keys(doc.paths); // ['/v1/predict', '/v1/route', …]
 * ```
 */
export function buildOpenApiDocument(routes: readonly RouteDefinition<never>[]): {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, unknown>;
} {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes as readonly RouteDefinition[]) {
    const codes = [
      ...new Set([
        ...COMMON_ERRORS[route.scope],
        ...(route.requestSchema ? BODY_ERRORS : []),
        ...route.errors,
      ]),
    ];
    const byStatus = new Map<number, RouterErrorCode[]>();
    for (const code of codes) {
      if (code === 'ROUTER_ERR_UNKNOWN_PREDICTION') continue; // per item, inside a 202
      const status = ROUTER_ERROR_CODES[code].status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    const responses: Record<string, unknown> = {
      [String(route.successStatus)]: {
        description: 'success',
        content: {
          [route.responseContentType ?? 'application/json']: {
            schema: schemaOf(route.responseSchema, 'output'),
          },
        },
      },
    };
    for (const [status, list] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: list.map((c) => `${c}: ${ROUTER_ERROR_CODES[c].meaning}`).join('; '),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.name,
      summary: route.summary,
      ...(route.description !== undefined ? { description: route.description } : {}),
      security: route.scope === 'public' ? [] : [{ [`${route.scope}Token`]: [] }],
      ...(route.requestSchema
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(route.requestSchema, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Gal-Friday routing service',
      version: '1',
      description:
        'Variant routing, ONNX inference, trade-signal proposals and outcome ingestion. See docs/routing.md. ' +
        'Requests that are not well-formed HTTP are answered, before any route, in the same error shape: ' +
        '400 ROUTER_ERR_BAD_REQUEST, 408 ROUTER_ERR_REQUEST_TIMEOUT (headers not within 10 s) or ' +
        '431 ROUTER_ERR_HEADERS_TOO_LARGE (over 16 KiB), and the connection is closed. Validation errors list ' +
        'the first 20 issues in `details` and their number in `issueCount`.',
    },
    paths,
    components: {
      securitySchemes: {
        engineToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'GALFRIDAY_ENGINE_TOKEN (or GALFRIDAY_ENGINE_TOKEN_NEXT): predict, route, outcomes, signal',
        },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'GALFRIDAY_ADMIN_TOKEN (or GALFRIDAY_ADMIN_TOKEN_NEXT): /admin/*, /metrics',
        },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'GALFRIDAY_METRICS_TOKEN (or GALFRIDAY_METRICS_TOKEN_NEXT): /metrics only, read-only; the admin token works there too',
        },
      },
      schemas: { Error: schemaOf(errorResponseSchema, 'output') },
    },
  };
}
