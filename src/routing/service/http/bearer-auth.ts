import { timingSafeEqual } from 'node:crypto';
import type { RouterTokens } from '../tokens/ensure-tokens';

/**
 * Who may call an endpoint: anyone, the trading engine, or an operator.
 *
 * ### Examples
 * ```ts
 * const scope: AuthScope = 'engine';
 * ```
 */
export type AuthScope = 'public' | 'engine' | 'admin';

// Every presented token is copied into a fixed 512-byte zero-padded buffer and compared with both
// known tokens (padded the same way) over all 512 bytes, plus a length check folded in without
// branching: the work is the same whatever the token, its length or which scope it matches. This
// costs about a microsecond, against several for hashing each request's token (measured on the
// /v1/route hot path).
const SLOT = 512;

function padded(token: string): { bytes: Buffer; length: number } {
  const bytes = Buffer.alloc(SLOT);
  const length = Buffer.byteLength(token, 'utf8');
  if (length >= SLOT) throw new RangeError(`bearer tokens must be shorter than ${SLOT} bytes`);
  bytes.write(token, 0, 'utf8');
  return { bytes, length };
}

/**
 * Resolves an `Authorization: Bearer …` header to the scope of its token, in constant time.
 *
 * ### Examples
 * ```ts
 * const auth = createBearerAuth({ engineToken: 'e…', adminToken: 'a…' });
 * auth.scopeOf('Bearer e…'); // 'engine'
 * auth.scopeOf('Bearer nope'); // null
 * auth.scopeOf(undefined); // null
 * ```
 */
export function createBearerAuth(tokens: RouterTokens): {
  scopeOf(header: string | undefined): 'engine' | 'admin' | null;
} {
  const engine = padded(tokens.engineToken);
  const admin = padded(tokens.adminToken);
  const scratch = Buffer.alloc(SLOT);
  return {
    scopeOf(header) {
      if (header === undefined || header.length < 8 || header.length > SLOT) return null;
      // RFC 6750: the scheme is case-insensitive.
      if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return null;
      const token = header.slice(7);
      scratch.fill(0);
      // write() stops at the buffer end, so an over-long token cannot overflow; its length then
      // differs from both known ones.
      scratch.write(token, 0, 'utf8');
      const length = Buffer.byteLength(token, 'utf8');
      const isEngine = timingSafeEqual(scratch, engine.bytes) && length === engine.length;
      const isAdmin = timingSafeEqual(scratch, admin.bytes) && length === admin.length;
      return isEngine ? 'engine' : isAdmin ? 'admin' : null;
    },
  };
}
