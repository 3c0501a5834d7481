import type { FastifyReply } from 'fastify';
import { type Alert, changePasswordPage } from '../pages/index.ts';
import type { Loaded } from './load-interaction.ts';
import { sendPage } from './send-page.ts';

/** The change-password form of the `change_password` stage (the directory said expired / must change). */
export function renderChangePassword(
  reply: FastifyReply,
  loaded: Loaded,
  status: number,
  state: { username: string; reason: 'password_expired' | 'password_must_change' },
  alert?: Alert,
) {
  return sendPage(
    reply,
    status,
    changePasswordPage({
      tenantDisplayName: loaded.tenant.displayName,
      action: `${loaded.base}/change-password`,
      csrfToken: loaded.token,
      username: state.username,
      reason: state.reason,
      alert,
    }),
  );
}
