import type { IncomingMessage } from 'node:http';

/** Headers on every dashboard response: no scripts at all, no framing, no caching of operator data. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // 'same-origin' keeps the Origin header on our own form posts (with 'no-referrer' it becomes "null").
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Whether the request reached us over TLS (directly or through a proxy that says so). */
export function isHttps(req: IncomingMessage): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  return (
    (req.socket as { encrypted?: boolean }).encrypted === true ||
    (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim() === 'https')
  );
}

/** A local path under /ui to return to after login; anything else (other hosts, `//x`) becomes /ui. */
export function safeNext(value: string | null | undefined): string {
  if (!value || !/^\/ui(?:[/?#]|$)/.test(value) || value.includes('\\') || /[\r\n]/.test(value)) return '/ui';
  return value;
}
