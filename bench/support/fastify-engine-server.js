'use strict';
// The engine API on Fastify, for bench/router-http.bench.ts to compare with the node:http router in
// the same run (issue 17: move /v1/route onto Fastify only at ≥ 0.9× the node:http router's
// throughput). It serves the router's own route table with the same work per request as
// src/routing/service/http/request-handler.ts: bearer auth by scope (the same constant-time
// matcher), the content-type check, JSON.parse and the route's zod schema, the handler, the JSON
// reply with the same headers, and the per-route latency histogram and status counter. Fastify's
// own JSON parser (secure-json-parse) is replaced by JSON.parse so that only the framework differs.

const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '../..');
const { default: Fastify } = require(path.join(root, 'node_modules/fastify'));
const { createBearerAuth, scopeGrants } = require(path.join(root, 'dist/http/bearer-auth'));
const { RouterError } = require(path.join(root, 'dist/routing/service/errors/router-error'));
const { validationError, DEFAULT_BODY_LIMIT } = require(
  path.join(root, 'dist/routing/service/http/request-handler'),
);

/** A Fastify server over `app` (a RoutingApp), listening on a free port of 127.0.0.1; resolves its URL. */
async function startFastifyEngine(app) {
  const auth = createBearerAuth(app.tokens);
  const fastify = Fastify({ logger: false, keepAliveTimeout: 65_000, return503OnClosing: false });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    /^application\/(?:[\w.+-]+\+)?json\b/i,
    { parseAs: 'string' },
    (_req, text, done) => {
      try {
        done(null, JSON.parse(text));
      } catch (error) {
        done(new RouterError('ROUTER_ERR_MALFORMED_JSON', `body is not valid JSON: ${error.message}`));
      }
    },
  );
  fastify.setErrorHandler((error, _request, reply) => {
    const known =
      error instanceof RouterError
        ? error
        : new RouterError('ROUTER_ERR_INTERNAL', 'internal error; see the router log');
    void reply
      .code(known.status)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(known.toBody());
  });
  for (const route of app.routes) {
    const duration = app.metrics.requestDuration.labels(route.name);
    const statuses = new Map();
    const schemaOf = (raw) =>
      route.selectSchema !== undefined ? route.selectSchema(raw) : route.requestSchema;
    fastify.route({
      method: route.method,
      url: route.path,
      bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
      onRequest(request, _reply, done) {
        request.started = performance.now();
        if (route.scope !== 'public') {
          const scope = auth.scopeOf(request.headers.authorization);
          if (scope === null)
            return done(new RouterError('ROUTER_ERR_UNAUTHORIZED', 'missing or unknown bearer token'));
          if (!scopeGrants(scope, route.scope))
            return done(
              new RouterError('ROUTER_ERR_FORBIDDEN', `this endpoint needs the ${route.scope} token`),
            );
        }
        done();
      },
      onResponse(request, reply, done) {
        let counter = statuses.get(reply.statusCode);
        if (counter === undefined) {
          counter = app.metrics.requests.labels(route.name, String(reply.statusCode));
          statuses.set(reply.statusCode, counter);
        }
        counter.inc();
        duration.observe((performance.now() - request.started) / 1000);
        done();
      },
      handler(request, reply) {
        let body;
        if (route.requestSchema !== undefined || route.selectSchema !== undefined) {
          const parsed = schemaOf(request.body).safeParse(request.body);
          if (!parsed.success) throw validationError(parsed.error);
          body = parsed.data;
        }
        const answer = (result) => {
          reply
            .code(result.status)
            .header('cache-control', 'no-store')
            .header('x-content-type-options', 'nosniff');
          if (result.headers) reply.headers(result.headers);
          if ('text' in result) return reply.type(result.contentType).send(result.text);
          return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.body));
        };
        const result = route.handle(body);
        // Nothing is returned to Fastify: the reply is sent by answer(), now or when the promise settles.
        if (result instanceof Promise) return result.then((value) => void answer(value));
        answer(result);
        return undefined;
      },
    });
  }
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${fastify.server.address().port}`, close: () => fastify.close() };
}

module.exports = { startFastifyEngine };
