import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RouterErrorCode } from '../errors/router-error-codes';
import { ROUTER_ERROR_CODES } from '../errors/router-error-codes';
import type { RouterLogger } from '../observability/router-logger';
import type { RouterMetrics } from '../observability/router-metrics';

// Node answers what its HTTP parser refuses (malformed request line, oversized headers, a header
// timeout) itself, with an empty body, unless a 'clientError' listener does. This one answers the
// same statuses in the router's JSON error shape, so a client sees one format whatever went wrong.
const BY_NODE_CODE: Record<string, { code: RouterErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'ROUTER_ERR_HEADERS_TOO_LARGE', message: 'request headers exceed 16 KiB' },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'ROUTER_ERR_REQUEST_TIMEOUT',
    message: 'the request did not arrive within the time limit',
  },
};

/**
 * The server's 'clientError' listener: answers a request Node's parser refused (400, 431 or 408)
 * with `{ "error": { "code", "message" } }` and closes the connection; a connection already reset
 * or no longer writable is just destroyed. Counted as route "unparsed".
 *
 * ### Examples
 * ```ts
 * declare const server: import('http').Server;
 * declare const logger: RouterLogger;
 * declare const metrics: RouterMetrics;
 * server.on('clientError', createClientErrorHandler(metrics, logger));
 * ```
 */
export function createClientErrorHandler(
  metrics: RouterMetrics,
  logger: RouterLogger,
): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const known = error.code === undefined ? undefined : BY_NODE_CODE[error.code];
    const code: RouterErrorCode = known?.code ?? 'ROUTER_ERR_BAD_REQUEST';
    const status = ROUTER_ERROR_CODES[code].status;
    const body = JSON.stringify({
      error: { code, message: known?.message ?? `malformed HTTP request (${error.code ?? error.message})` },
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n' +
        body,
    );
    metrics.requests.labels('unparsed', String(status)).inc();
    logger.debug('malformed request refused', { status, error: error.code ?? error.message });
  };
}
