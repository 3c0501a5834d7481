/** GET of the stylesheet and the WebAuthn script (our own files: the CSP allows no inline style or script). */
import type { FastifyInstance } from 'fastify';
import { WEBAUTHN_SCRIPT, WEBAUTHN_SCRIPT_PATH } from '../../mfa/pages/index.ts';
import { STYLESHEET, STYLESHEET_PATH } from '../pages/index.ts';

export function registerStaticFiles(app: FastifyInstance): void {
  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );
  app.get(WEBAUTHN_SCRIPT_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(WEBAUTHN_SCRIPT),
  );
}
