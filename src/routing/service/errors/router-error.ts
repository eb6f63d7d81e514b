import { ROUTER_ERROR_CODES, type RouterErrorCode } from './router-error-codes';

/**
 * Thrown by handlers for every failure a client should see: the code fixes the HTTP status, the
 * message is safe to show (no stack, no SQL), `field` names the offending request field when there
 * is one, and `details` carries structured extras (e.g. every invalid field).
 *
 * ### Examples
 * ```ts
 * throw new RouterError('ROUTER_ERR_UNKNOWN_MODEL', 'model "btc-1h" is not registered', { field: 'model' });
 * // answered as 404 { "error": { "code": "ROUTER_ERR_UNKNOWN_MODEL", "message": "...", "field": "model" } }
 * ```
 */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  readonly status: number;
  readonly field: string | undefined;
  readonly details: unknown;
  /** How many issues there were when `details` lists only the first of them (validation). */
  readonly issueCount: number | undefined;

  constructor(
    readonly code: RouterErrorCode,
    message: string,
    extra: { field?: string; details?: unknown; issueCount?: number } = {},
  ) {
    super(message);
    this.status = ROUTER_ERROR_CODES[code].status;
    this.field = extra.field;
    this.details = extra.details;
    this.issueCount = extra.issueCount;
  }

  /** The JSON body sent to the client. */
  toBody(): {
    error: { code: RouterErrorCode; message: string; field?: string; details?: unknown; issueCount?: number };
  } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...(this.details !== undefined ? { details: this.details } : {}),
        ...(this.issueCount !== undefined ? { issueCount: this.issueCount } : {}),
      },
    };
  }
}
