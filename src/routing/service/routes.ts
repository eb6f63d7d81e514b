import { z } from 'zod';
import {
  MAX_OUTCOMES_PER_REQUEST,
  outcomeBatchSchema,
  outcomeItemSchema,
  outcomesRequestSchema,
  predictRequestSchema,
  routeRequestSchema,
  signalRequestSchema,
} from './api/request-schemas';
import {
  adminConfigResponseSchema,
  flushResponseSchema,
  healthResponseSchema,
  outcomesResponseSchema,
  predictResponseSchema,
  readyResponseSchema,
  routeResponseSchema,
  signalResponseSchema,
} from './api/response-schemas';
import { buildOpenApiDocument } from './api/openapi-document';
import { createFlushHandler, createReloadHandler, describeConfig } from './handlers/admin-handlers';
import { metricsReply, readiness } from './handlers/health-handlers';
import { createOutcomesHandler } from './handlers/outcomes-handler';
import { createPredictHandler } from './handlers/predict-handler';
import { createRouteHandler } from './handlers/route-handler';
import { createSignalHandler } from './handlers/signal-handler';
import type { RouteDefinition } from './http/route-definition';
import type { RoutingContext } from './routing-context';

/** ~100 bytes per outcome item in JSON, with room for whitespace. */
const OUTCOMES_BODY_LIMIT = MAX_OUTCOMES_PER_REQUEST * 200;

/**
 * Every endpoint of the routing service: the single table that drives dispatch, authentication,
 * body limits, validation and `/openapi.json`.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * createRoutes(context).map((r) => `${r.method} ${r.path}`);
 * // ['POST /v1/predict', 'POST /v1/route', 'POST /v1/outcomes', 'POST /v1/signal', 'GET /healthz', …]
 * ```
 */
export function createRoutes(context: RoutingContext): RouteDefinition<never>[] {
  const routes: RouteDefinition<never>[] = [];
  const add = <B>(route: RouteDefinition<B>): void => {
    routes.push(route as unknown as RouteDefinition<never>);
  };
  add({
    method: 'POST',
    path: '/v1/predict',
    name: 'predict',
    scope: 'engine',
    summary: 'Route a unit, score the routed model version, optionally propose a trade signal',
    description:
      'Inside a running experiment the unit gets an arm by the experiment allocation strategy; otherwise the champion answers. ' +
      'A shadow version, if set, is scored after the response and recorded, never returned.',
    requestSchema: predictRequestSchema,
    responseSchema: predictResponseSchema,
    successStatus: 200,
    errors: [
      'ROUTER_ERR_UNKNOWN_MODEL',
      'ROUTER_ERR_UNKNOWN_STRATEGY',
      'ROUTER_ERR_FEATURE_SCHEMA',
      'ROUTER_ERR_FEATURE_RANGE',
      'ROUTER_ERR_NON_FINITE_OUTPUT',
      'ROUTER_ERR_STRATEGY_MISMATCH',
      'ROUTER_ERR_NO_CHAMPION',
      'ROUTER_ERR_MODEL_UNAVAILABLE',
      'ROUTER_ERR_NOT_READY',
    ],
    handle: createPredictHandler(context),
  });
  add({
    method: 'POST',
    path: '/v1/route',
    name: 'route',
    scope: 'engine',
    summary: 'Routing only: which version should this unit use (records the assignment)',
    requestSchema: routeRequestSchema,
    responseSchema: routeResponseSchema,
    successStatus: 200,
    errors: ['ROUTER_ERR_UNKNOWN_MODEL', 'ROUTER_ERR_NO_CHAMPION', 'ROUTER_ERR_NOT_READY'],
    handle: createRouteHandler(context),
  });
  add({
    method: 'POST',
    path: '/v1/outcomes',
    name: 'outcomes',
    scope: 'engine',
    summary: 'Report outcomes of predictions (one, or a batch of up to 10,000); 202 once committed',
    description:
      'An acknowledged outcome is never lost. An item whose prediction id matches no served prediction or assignment ' +
      '(never issued, or its log row was dropped: buffer full, refused, crash) is answered `unknown` and kept in the ' +
      'table `unmatched_outcomes` with its reason (`kept`: `no_prediction` or `prediction_dropped`); it is stored as an outcome ' +
      'as soon as a prediction with that id is logged, so it need not be sent again. Such items are counted in ' +
      '`galfriday_router_unmatched_outcomes_total{reason}` and raise an `outcomes_unmatched` alert. ' +
      'A 503 says in `details.mayHaveBeenStored` whether the outcomes may still be stored (PostgreSQL did not answer ' +
      'in time after the statement was sent) or certainly were not; retrying the same request is safe either way, ' +
      'and items stored meanwhile come back `duplicate`. A request PostgreSQL refuses as data gets 422 ' +
      '`ROUTER_ERR_OUTCOME_REFUSED` and stores nothing, without affecting requests committed with it.',
    requestSchema: outcomesRequestSchema,
    selectSchema: (raw) =>
      (typeof raw === 'object' && raw !== null && 'outcomes' in raw
        ? outcomeBatchSchema
        : outcomeItemSchema) as unknown as z.ZodType<never>,
    bodyLimit: OUTCOMES_BODY_LIMIT,
    responseSchema: outcomesResponseSchema,
    successStatus: 202,
    errors: ['ROUTER_ERR_STORAGE_UNAVAILABLE', 'ROUTER_ERR_OUTCOME_REFUSED', 'ROUTER_ERR_UNKNOWN_PREDICTION'],
    handle: createOutcomesHandler(context),
  });
  add({
    method: 'POST',
    path: '/v1/signal',
    name: 'signal',
    scope: 'engine',
    summary: 'Run a trade strategy on a prediction made elsewhere',
    requestSchema: signalRequestSchema,
    responseSchema: signalResponseSchema,
    successStatus: 200,
    errors: ['ROUTER_ERR_UNKNOWN_STRATEGY', 'ROUTER_ERR_STRATEGY_MISMATCH', 'ROUTER_ERR_INVALID_PREDICTION'],
    handle: createSignalHandler(context),
  });
  add({
    method: 'GET',
    path: '/healthz',
    name: 'healthz',
    scope: 'public',
    summary: 'Liveness: the process answers',
    responseSchema: healthResponseSchema,
    successStatus: 200,
    errors: [],
    handle: () => ({ status: 200, body: { status: 'ok' } }),
  });
  add({
    method: 'GET',
    path: '/readyz',
    name: 'readyz',
    scope: 'public',
    summary: 'Readiness: configuration loaded and not shutting down (503 otherwise)',
    responseSchema: readyResponseSchema,
    successStatus: 200,
    errors: [],
    handle: () => readiness(context),
  });
  add({
    method: 'GET',
    path: '/metrics',
    name: 'metrics',
    scope: 'metrics',
    summary: 'Prometheus metrics (text exposition format 0.0.4)',
    responseSchema: z.string(),
    responseContentType: 'text/plain; version=0.0.4',
    successStatus: 200,
    errors: [],
    handle: () => metricsReply(context),
  });
  add({
    method: 'GET',
    path: '/admin/config',
    name: 'admin_config',
    scope: 'admin',
    summary:
      'The configuration this router serves: aliases, experiments with live weights, sessions, problems',
    responseSchema: adminConfigResponseSchema,
    successStatus: 200,
    errors: [],
    handle: () => ({ status: 200, body: describeConfig(context) }),
  });
  add({
    method: 'POST',
    path: '/admin/reload',
    name: 'admin_reload',
    scope: 'admin',
    summary: 'Reload configuration, strategies and adaptive weights now',
    responseSchema: adminConfigResponseSchema,
    successStatus: 200,
    errors: ['ROUTER_ERR_VALIDATION', 'ROUTER_ERR_STORAGE_UNAVAILABLE'],
    handle: createReloadHandler(context),
  });
  add({
    method: 'POST',
    path: '/admin/flush',
    name: 'admin_flush',
    scope: 'admin',
    summary: 'Commit the buffered prediction and assignment logs now',
    responseSchema: flushResponseSchema,
    successStatus: 200,
    errors: ['ROUTER_ERR_STORAGE_UNAVAILABLE'],
    handle: createFlushHandler(context),
  });
  let document: string | undefined;
  add({
    method: 'GET',
    path: '/openapi.json',
    name: 'openapi',
    scope: 'public',
    summary: 'This OpenAPI 3.0 document',
    responseSchema: z.object({ openapi: z.string() }).loose(),
    successStatus: 200,
    errors: [],
    handle: () => {
      document ??= JSON.stringify(buildOpenApiDocument(routes));
      return { status: 200, text: document, contentType: 'application/json; charset=utf-8' };
    },
  });
  return routes;
}
