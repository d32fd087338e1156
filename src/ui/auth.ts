/**
 * The viewer's access token: random per server start, required on every request and SSE
 * stream, compared in constant time so its bytes cannot be guessed one by one from timings.
 */
import crypto from 'node:crypto';

/** A fresh random token (32 bytes, URL-safe). */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** True when `given` equals `expected`, compared in constant time. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  // Hashing both sides gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The token a request carries: the `x-mailroom-token` header, else `?token=` (EventSource cannot set headers). */
export function tokenOf(headers: { get(name: string): string | null | undefined }, url: URL): string | null {
  return headers.get('x-mailroom-token') ?? url.searchParams.get('token');
}
