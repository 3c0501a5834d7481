import type { FastifyReply } from 'fastify';
import { type Alert, signInPage } from '../pages/index.ts';
import type { Loaded } from './load-interaction.ts';
import { sendPage } from './send-page.ts';

/** The username/password form (again, with the typed username and an alert, after a refusal). */
export function renderSignIn(reply: FastifyReply, loaded: Loaded, status: number, username?: string, alert?: Alert) {
  return sendPage(
    reply,
    status,
    signInPage({
      tenantDisplayName: loaded.tenant.displayName,
      action: `${loaded.base}/login`,
      abortAction: `${loaded.base}/abort`,
      csrfToken: loaded.token,
      username,
      alert,
    }),
  );
}
