import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClientErrorHandler } from './http/client-error-handler';
import { buildRoutingApp, type RoutingApp, type RoutingAppOptions } from './routing-app';

/**
 * A routing service listening on its address.
 *
 * ### Examples
 * ```ts
 * declare const config: import('../../config/config').Config;
 * declare const databaseUrl: string;
 * const service: RunningRoutingService = await startRoutingService({ config, databaseUrl });
 * service.url; // 'http://127.0.0.1:8080'
 * ```
 */
export interface RunningRoutingService {
  readonly url: string;
  readonly engineToken: string;
  readonly adminToken: string;
  /** The app behind the socket (context, metrics), for tests and embedding. */
  readonly app: RoutingApp;
  /** Stops accepting, lets requests in flight finish, flushes the logs, closes PostgreSQL. */
  stop(): Promise<void>;
}

/**
 * Options of {@link startRoutingService}: those of the app plus the listen address.
 *
 * ### Examples
 * ```ts
 * declare const config: import('../../config/config').Config;
 * declare const databaseUrl: string;
 * const options: StartRoutingServiceOptions = { config, databaseUrl, port: 0 };
 * ```
 */
export interface StartRoutingServiceOptions extends RoutingAppOptions {
  /** Overrides `config.routerHost`. */
  readonly host?: string;
  /** Overrides `config.routerPort`; 0 picks a free port. */
  readonly port?: number;
}

/**
 * Builds the routing app, loads its configuration and listens with `node:http` on
 * `ROUTER_HOST:ROUTER_PORT`. The server keeps connections alive longer than typical load-balancer
 * idle timeouts, and bounds header and request times so slow clients cannot hold sockets.
 *
 * ### Examples
 * ```ts
 * declare const stack: { databaseUrl: string }; // e.g. test/support/test-stack.ts
 * import { loadConfig } from '../../config/config';
 * const router = await startRoutingService({ config: loadConfig(), databaseUrl: stack.databaseUrl });
 * console.log(`router on ${router.url}`);
 * await router.stop();
 * ```
 */
export async function startRoutingService(
  options: StartRoutingServiceOptions,
): Promise<RunningRoutingService> {
  const app = await buildRoutingApp(options);
  const server = http.createServer(
    {
      keepAliveTimeout: 65_000,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      maxHeaderSize: 16 * 1024,
      noDelay: true,
      // Node checks header and request timeouts only this often (30 s by default): a slow-headers
      // client would hold its socket for up to 40 s instead of 10.
      connectionsCheckingInterval: 1_000,
    },
    app.handler,
  );
  server.maxConnections = options.config.routerMaxConnections;
  server.on('drop', () => app.metrics.droppedConnections.labels().inc());
  server.on('clientError', createClientErrorHandler(app.metrics, app.logger));
  await app.start();
  const host = options.host ?? options.config.routerHost;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? options.config.routerPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.stop();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  app.logger.info('routing service listening', { url });

  let stopping: Promise<void> | undefined;
  return {
    url,
    engineToken: app.tokens.engineToken,
    adminToken: app.tokens.adminToken,
    app,
    stop() {
      stopping ??= (async () => {
        app.drain();
        // Behind a load balancer, closing at once would refuse requests it still sends until its
        // next health check sees /readyz fail; keep serving (and ask keep-alive clients to
        // reconnect elsewhere) for the configured delay first.
        const delay = options.config.routerDrainDelayMs;
        if (delay > 0) {
          app.logger.info('draining before closing the listener', { delayMs: delay });
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
        await Promise.race([closed, timeout]);
        server.closeAllConnections();
        await app.stop();
        app.logger.info('routing service stopped');
      })();
      return stopping;
    },
  };
}
