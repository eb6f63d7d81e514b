/**
 * The client closed its connection before its request was read (or answered). Nobody is left to
 * answer, and it is not the router's failure: it is counted (status label 499, as nginx names it)
 * and logged at debug level, never as a 500 with a stack.
 *
 * ### Examples
 * ```ts
 * declare const res: import('http').ServerResponse;
 * import { readBody } from './read-body';
 * declare const limit: number;
 * declare const req: import('http').IncomingMessage;
 * readBody(req, limit, (error) => { if (error instanceof ClientAbortedError) res.destroy(); });
 * ```
 */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
  constructor(override readonly cause?: Error) {
    super(`client closed the connection${cause?.message ? ` (${cause.message})` : ''}`);
  }
}

/**
 * The status under which requests whose client went away are counted.
 */
export const CLIENT_CLOSED_REQUEST = 499;
