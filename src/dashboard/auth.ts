import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createBearerAuth } from '../http/bearer-auth';

/** Name of the session cookie (HttpOnly, SameSite=Strict, Path=/ui). */
export const SESSION_COOKIE = 'gf_ui_session';
/** Name of the one-shot message cookie set before a redirect. */
export const FLASH_COOKIE = 'gf_ui_flash';
/** How long a login lasts. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export type Principal =
  /** `Authorization: Bearer <admin token>` (scripts, the router's admin clients): no CSRF token needed. */
  | { kind: 'bearer'; operator: string }
  /** A browser session from the login form: POSTs must carry its CSRF token. */
  | { kind: 'session'; operator: string; nonce: string; csrf: string };

const OPERATOR = /^[A-Za-z0-9 ._@-]{1,40}$/;

/** A free-text operator name from the login form, kept only when it is short and plain. */
export function cleanOperatorName(value: string | undefined): string {
  const trimmed = (value ?? '').trim();
  return OPERATOR.test(trimmed) ? trimmed : 'operator';
}

const b64 = (buf: Buffer) => buf.toString('base64url');

function equalBuffers(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What authentication reads of a request: its headers and its parsed cookies (@fastify/cookie). */
export interface AuthenticatedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly cookies: { readonly [name: string]: string | undefined };
}

/**
 * Where the dashboard keeps its session epochs: shared by every dashboard process (PostgreSQL in
 * production, `dashboard_session_epochs`), so a logout on one router ends the session on all.
 *
 * ### Examples
 * ```ts
 * import { endOperatorSessions } from '../db/repositories/dashboard-session.repository';
 * import { sessionEpochOf } from '../db/repositories/dashboard-session.repository';
 * declare const db: import('kysely').Kysely<import('../db/database').Database>;
 * const epochs: SessionEpochs = { current: (op) => sessionEpochOf(db, op), end: (op) => endOperatorSessions(db, op) };
 * ```
 */
export interface SessionEpochs {
  /** The epoch a cookie of this operator name must carry now. */
  current(operator: string): Promise<number>;
  /** Ends the operator name's sessions (bumps the epoch); resolves the new epoch. */
  end(operator: string): Promise<number>;
}

/**
 * Admin-token authentication for the dashboard.
 *
 * Session cookies carry their issue time, a random nonce, the operator name and the operator's
 * session epoch at login, MACed with a key derived from the current admin token. So any router
 * instance accepts a session another issued and a restart keeps people logged in; but logging out
 * bumps the operator's epoch in {@link SessionEpochs} (shared by every process), which ends every
 * cookie issued before, copies included; and replacing the admin token changes the key, which ends
 * every session. During a rotation both admin tokens log in and work as bearer tokens; sessions are
 * signed with the current one (the first). Tokens are compared by the engine API's own constant-time
 * matcher ({@link createBearerAuth}). Each session's CSRF token is an HMAC of its nonce, checked on
 * every POST made with the cookie (alongside SameSite=Strict and an Origin check): stateless, so any
 * dashboard process checks it, and it ends with its session at logout.
 */
export function createDashboardAuth(
  adminTokens: string | readonly string[],
  epochs: SessionEpochs,
  now: () => number = Date.now,
) {
  const tokens = typeof adminTokens === 'string' ? [adminTokens] : [...adminTokens];
  if (tokens.length === 0 || !tokens.every((t) => typeof t === 'string' && t.length >= 8)) {
    throw new Error('the dashboard needs the admin token (at least 8 characters)');
  }
  const sessionKey = createHmac('sha256', tokens[0]!).update('galfriday-dashboard-session-v2').digest();
  const bearer = createBearerAuth({ admin: tokens });
  const mac = (text: string) => createHmac('sha256', sessionKey).update(text, 'utf8').digest();

  const tokenMatches = (candidate: string | undefined): boolean =>
    typeof candidate === 'string' && bearer.scopeOfToken(candidate) === 'admin';
  const csrfOf = (nonce: string) => b64(mac(`csrf|${nonce}`));

  async function readSession(value: string | undefined): Promise<Principal | null> {
    if (!value) return null;
    const parts = value.split('.');
    if (parts.length !== 6 || parts[0] !== 'v2') return null;
    const [, issued, nonce, operator, epoch, signature] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const presented = Buffer.from(signature, 'base64url');
    if (!equalBuffers(presented, mac(`session|${issued}|${nonce}|${operator}|${epoch}`))) return null;
    const issuedAt = parseInt(issued, 36);
    if (!Number.isFinite(issuedAt) || now() - issuedAt > SESSION_TTL_MS || issuedAt - now() > 60_000)
      return null;
    const name = Buffer.from(operator, 'base64url').toString('utf8');
    if (String(await epochs.current(name)) !== epoch) return null;
    return { kind: 'session', operator: name, nonce, csrf: csrfOf(nonce) };
  }

  return {
    tokenMatches,

    /** Who is asking: a valid bearer token, a valid session cookie, or nobody (null). */
    async authenticate(req: AuthenticatedRequest): Promise<Principal | null> {
      const header = req.headers.authorization;
      if (header !== undefined) {
        return bearer.scopeOf(header) === 'admin' ? { kind: 'bearer', operator: 'api' } : null;
      }
      return readSession(req.cookies[SESSION_COOKIE]);
    },

    /** A fresh session cookie value for `operator`, valid until it expires or the operator logs out. */
    async issueSession(operator: string): Promise<string> {
      const clean = cleanOperatorName(operator);
      const epoch = String(await epochs.current(clean));
      const issued = now().toString(36);
      const nonce = b64(randomBytes(18));
      const name = b64(Buffer.from(clean, 'utf8'));
      return `v2.${issued}.${nonce}.${name}.${epoch}.${b64(mac(`session|${issued}|${nonce}|${name}|${epoch}`))}`;
    },

    /** Ends every session of this operator name, in every dashboard process (logout). */
    async endSessions(operator: string): Promise<void> {
      await epochs.end(cleanOperatorName(operator));
    },

    /** True when `presented` is this session's CSRF token. */
    checkCsrf(principal: Principal, presented: string | undefined): boolean {
      if (principal.kind === 'bearer') return true;
      if (typeof presented !== 'string') return false;
      return equalBuffers(Buffer.from(presented, 'utf8'), Buffer.from(principal.csrf, 'utf8'));
    },

    /** A signed one-shot message for the page after a redirect. */
    sealFlash(flash: Flash): string {
      const body = b64(Buffer.from(JSON.stringify(flash), 'utf8'));
      return `${body}.${b64(mac(`flash|${body}`))}`;
    },

    openFlash(value: string | undefined): Flash | null {
      if (!value) return null;
      const [body, signature] = value.split('.');
      if (!body || !signature || !equalBuffers(Buffer.from(signature, 'base64url'), mac(`flash|${body}`)))
        return null;
      try {
        const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Flash;
        return (parsed.tone === 'ok' || parsed.tone === 'bad') && typeof parsed.text === 'string'
          ? parsed
          : null;
      } catch {
        return null;
      }
    },
  };
}

export type DashboardAuth = ReturnType<typeof createDashboardAuth>;

export interface Flash {
  tone: 'ok' | 'bad';
  text: string;
}

/**
 * Whether a state-changing request comes from a page of this site: `Sec-Fetch-Site` (when sent) must
 * not be cross-site, and `Origin` (when sent) must name the host the request was made to.
 */
export function sameOrigin(req: { readonly headers: IncomingHttpHeaders }): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
