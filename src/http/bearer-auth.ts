import { timingSafeEqual } from 'node:crypto';
import { acceptedTokens, type RouterTokens, type TokenScope } from '../routing/service/tokens/ensure-tokens';

/**
 * Who may call an endpoint: anyone, the trading engine, an operator, or a metrics scraper (the
 * metrics token, or the admin token, which holds every admin right including this one).
 */
export type AuthScope = 'public' | TokenScope;

/**
 * Whether a token of scope `held` may call an endpoint of scope `needed`: its own scope, and the
 * admin token also reads metrics. The metrics token is read-only: it opens nothing else.
 *
 * ### Examples
 * ```ts
 * scopeGrants('admin', 'metrics');  // true
 * scopeGrants('metrics', 'admin');  // false
 * scopeGrants('engine', 'metrics'); // false
 * ```
 */
export function scopeGrants(held: TokenScope, needed: Exclude<AuthScope, 'public'>): boolean {
  return held === needed || (held === 'admin' && needed === 'metrics');
}

// Every presented token is copied into a zero-padded slot and compared with every accepted token
// (padded the same way; at most two per scope) over the whole slot, plus a length check folded in
// without branching: the work is the same whatever the token, its length or which scope it matches.
// The slot is the longest accepted token rounded up to 64 bytes (64 for generated tokens); a
// presented token longer than the slot is refused at once, which tells only that the real tokens
// are shorter. Comparing 64 bytes costs about 0.7 µs per request against 1.5 µs for a fixed
// 512-byte slot (measured on the /v1/route hot path with two tokens), and several for hashing each
// request's token.
const SLOT_STEP = 64;

function padded(token: string, slot: number): { bytes: Buffer; length: number } {
  const bytes = Buffer.alloc(slot);
  const length = bytes.write(token, 0, 'utf8');
  return { bytes, length };
}

/**
 * The one bearer-token check of every HTTP surface (the engine API and the operator dashboard):
 * resolves an `Authorization: Bearer …` header, or a token typed into the dashboard's login form,
 * to the scope of its token, in constant time. Each scope accepts its current token and, during a
 * rotation, its next one.
 *
 * ### Examples
 * ```ts
 * const auth = createBearerAuth({ engineToken: 'e…', adminToken: 'a…', metricsToken: 'm…' });
 * auth.scopeOf('Bearer e…'); // 'engine'
 * auth.scopeOf('Bearer m…'); // 'metrics'
 * auth.scopeOf('Bearer nope'); // null
 * auth.scopeOf(undefined); // null
 * createBearerAuth({ admin: ['a…', 'b…'] }).scopeOfToken('b…'); // 'admin'
 * ```
 */
export function createBearerAuth(
  tokens: RouterTokens | Partial<Record<TokenScope, readonly string[]>>,
): BearerAuth {
  const accepted: Partial<Record<TokenScope, readonly string[]>> =
    'adminToken' in tokens ? acceptedTokens(tokens) : tokens;
  const all = (['engine', 'admin', 'metrics'] as const).flatMap((scope) =>
    (accepted[scope] ?? []).map((token) => ({ scope, token })),
  );
  if (all.length === 0) throw new Error('a bearer check needs at least one token');
  const longest = Math.max(...all.map((t) => Buffer.byteLength(t.token)));
  const slot = SLOT_STEP * Math.ceil((longest + 1) / SLOT_STEP);
  const known = all.map(({ scope, token }) => ({ scope, ...padded(token, slot) }));
  const scratch = Buffer.alloc(slot);
  const scopeOfToken = (token: string): TokenScope | null => {
    // UTF-8 takes at least a byte per UTF-16 unit, so a token this long cannot be a known one.
    if (token.length === 0 || token.length > slot) return null;
    scratch.fill(0);
    // write() stops at the buffer end, so an over-long token cannot overflow; its length then
    // differs from every known one.
    scratch.write(token, 0, 'utf8');
    const length = Buffer.byteLength(token, 'utf8');
    let found: TokenScope | null = null;
    // No early exit: every accepted token is compared, whichever matches.
    for (const k of known) {
      const match = timingSafeEqual(scratch, k.bytes) && length === k.length;
      if (match) found = k.scope;
    }
    return found;
  };
  return {
    scopeOfToken,
    scopeOf(header) {
      if (header === undefined || header.length < 8 || header.length - 7 > slot) return null;
      // RFC 6750: the scheme is case-insensitive.
      if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return null;
      return scopeOfToken(header.slice(7));
    },
  };
}

/** What {@link createBearerAuth} gives: the scope of a header, or of a bare token. */
export interface BearerAuth {
  /** The scope of an `Authorization` header's bearer token; null when missing, malformed or unknown. */
  scopeOf(header: string | undefined): TokenScope | null;
  /** The scope of a token given without its scheme (the dashboard's login form). */
  scopeOfToken(token: string): TokenScope | null;
}
