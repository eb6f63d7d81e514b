import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error';
import { ClientAbortedError } from './client-aborted-error';

/**
 * Reads a request body up to `limit` bytes and calls back once with the bytes or an error
 * (ROUTER_ERR_PAYLOAD_TOO_LARGE). Refuses early from Content-Length when it announces more, and
 * stops reading a chunked body as soon as it passes the limit, so an oversized upload costs at
 * most `limit` bytes of memory. Callback style on purpose: this runs on every request, and a
 * promise per body adds measurable microtask hops to the hot path.
 *
 * ### Examples
 * ```ts
 * declare const fail: (error: Error) => void;
 * declare const handle: (body: Buffer) => void;
 * declare const req: IncomingMessage;
 * readBody(req, 64 * 1024, (error, bytes) => { if (error) fail(error); else handle(bytes!); });
 * ```
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (error: Error | null, bytes?: Buffer) => void,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(tooLarge(limit));
    return;
  }
  let first: Buffer | null = null;
  let rest: Buffer[] | null = null;
  let size = 0;
  let finished = false;
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      finished = true;
      req.off('data', onData);
      req.pause();
      done(tooLarge(limit));
      return;
    }
    if (first === null) first = chunk;
    else (rest ??= [first]).push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => {
    if (finished) return;
    finished = true;
    done(null, rest !== null ? Buffer.concat(rest, size) : (first ?? Buffer.alloc(0)));
  });
  // A client that goes away mid-body makes the request emit 'error' (ECONNRESET "aborted"), or
  // only 'close' on some paths: either way there is no body and nobody to answer.
  const aborted = (error?: Error): void => {
    if (finished) return;
    finished = true;
    done(new ClientAbortedError(error));
  };
  req.once('error', aborted);
  req.once('close', () => {
    if (!req.complete) aborted();
  });
}

function tooLarge(limit: number): RouterError {
  return new RouterError('ROUTER_ERR_PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, {
    details: { limitBytes: limit },
  });
}
