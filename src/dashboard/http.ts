import type { IncomingMessage, ServerResponse } from 'node:http';

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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads an `application/x-www-form-urlencoded` body of at most `limit` bytes. */
export async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    // Drain so that the connection can be reused, then refuse.
    req.resume();
    throw new HttpError(415, 'forms must be sent as application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function sendHtml(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(bytes.length),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(303, {
    ...SECURITY_HEADERS,
    Location: location,
    'Content-Length': '0',
    ...(cookies.length ? { 'Set-Cookie': cookies } : {}),
  });
  res.end();
}

/** Whether the request reached us over TLS (directly or through a proxy that says so). */
export function isHttps(req: IncomingMessage): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  return (
    (req.socket as { encrypted?: boolean }).encrypted === true ||
    (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim() === 'https')
  );
}

export function cookie(
  name: string,
  value: string,
  options: { maxAgeSeconds: number; secure: boolean },
): string {
  return `${name}=${value}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${options.secure ? '; Secure' : ''}`;
}

/** A local path under /ui to return to after login; anything else (other hosts, `//x`) becomes /ui. */
export function safeNext(value: string | null | undefined): string {
  if (!value || !/^\/ui(?:[/?#]|$)/.test(value) || value.includes('\\') || /[\r\n]/.test(value)) return '/ui';
  return value;
}
