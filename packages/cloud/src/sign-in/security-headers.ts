/**
 * Response headers of every sign-in page. The CSP allows no script at all (the pages need none), styles only from
 * this origin, and no framing (clickjacking of a password form; CSP Level 3 frame-ancestors + X-Frame-Options for
 * old browsers). `form-action` is deliberately absent: Chromium applies it to the redirects that follow a form
 * post, and a successful sign-in must redirect to the relying party's origin. HSTS per RFC 6797.
 */
import type { FastifyReply } from 'fastify';

export const SIGN_IN_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

export function setSecurityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', SIGN_IN_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  // Pages carry per-interaction CSRF tokens and personal messages: never cache them (RFC 9111 5.2.2.5).
  reply.header('cache-control', 'no-store');
}
