/**
 * Response headers of every sign-in page. The CSP allows no script at all (the pages need none), styles only from
 * this origin, and no framing (clickjacking of a password form; CSP Level 3 frame-ancestors + X-Frame-Options for
 * old browsers). `form-action` is deliberately absent: Chromium applies it to the redirects that follow a form
 * post, and a successful sign-in must redirect to the relying party's origin. HSTS per RFC 6797.
 */
import type { FastifyReply } from 'fastify';

export const SIGN_IN_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

/**
 * The WebAuthn pages load one script of this origin (mfa/pages/webauthn-script.ts); still no inline script, no eval,
 * and no fetch (`connect-src` falls back to 'none': the script only fills and submits the form).
 */
export const SIGN_IN_SCRIPT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

const scriptPages = new WeakSet<FastifyReply>();

/** This page loads the WebAuthn script: send SIGN_IN_SCRIPT_CSP instead of SIGN_IN_CSP. */
export function allowSignInScript(reply: FastifyReply): void {
  scriptPages.add(reply);
}

/**
 * Always overwrites the CSP (the app-wide helmet policy has a `form-action` that must not reach these pages; see
 * above).
 */
export function setSecurityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', scriptPages.has(reply) ? SIGN_IN_SCRIPT_CSP : SIGN_IN_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  // Pages carry per-interaction CSRF tokens and personal messages: never cache them (RFC 9111 5.2.2.5).
  reply.header('cache-control', 'no-store');
}
