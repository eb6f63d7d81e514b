import type { Reply } from '../http/route-definition';
import type { RoutingContext } from '../routing-context';

/**
 * `GET /readyz`: 200 once a configuration is loaded and the router is not shutting down, else 503.
 * PostgreSQL being down does not make the router unready: it keeps serving predictions from its
 * cached configuration (only outcomes fail), which is what the load balancer should route to.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * readiness(context); // { status: 200, body: { ready: true, database: 'up', listening: true, configAgeSeconds: 0.4, bufferedRows: {…} } }
 * ```
 */
export function readiness(context: RoutingContext): Reply {
  const loaded = context.store.snapshot !== null;
  const draining = context.draining();
  const ready = loaded && !draining;
  const age = context.store.ageSeconds;
  return {
    status: ready ? 200 : 503,
    body: {
      ready,
      ...(ready ? {} : { reason: draining ? 'shutting down' : 'configuration not loaded yet' }),
      database: context.databaseUp() ? 'up' : 'down',
      listening: context.store.listening,
      configAgeSeconds: Number.isFinite(age) ? Math.round(age * 1000) / 1000 : null,
      bufferedRows: { predictions: context.predictionLog.size, assignments: context.assignmentLog.size },
    },
  };
}

/**
 * `GET /metrics`: Prometheus text exposition, with the gauges that are cheaper to read on scrape
 * (buffer sizes, configuration age) refreshed first, and prom-client's process and Node.js runtime
 * metrics (CPU, heap, event-loop lag, GC).
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * (await metricsReply(context)).text; // '# HELP galfriday_router_request_duration_seconds …'
 * ```
 */
export async function metricsReply(context: RoutingContext): Promise<Reply & { text: string }> {
  const { metrics } = context;
  metrics.bufferedRows.labels('predictions').set(context.predictionLog.size);
  metrics.bufferedRows.labels('assignments').set(context.assignmentLog.size);
  const age = context.store.ageSeconds;
  metrics.configAge.labels().set(Number.isFinite(age) ? age : -1);
  metrics.databaseUp.labels().set(context.databaseUp() ? 1 : 0);
  return {
    status: 200,
    text: await metrics.registry.render(),
    contentType: metrics.registry.contentType,
  };
}
