/** The `mfa_done` stage: a new second factor was just set up; its recovery codes are shown before finishing. */
import type { FastifyReply } from 'fastify';
import type { AmrValue } from '../../mfa/index.ts';
import { recoveryCodesPage } from '../../mfa/pages/index.ts';
import { continuePage } from '../pages/index.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';
import { sendPage } from './send-page.ts';

/** Enters `mfa_done` (only "continue" is left) and shows the codes once; they are never shown again. */
export async function showRecoveryCodes(
  deps: RouteDeps,
  reply: FastifyReply,
  loaded: Loaded,
  user: { username: string; userId: string },
  amr: readonly AmrValue[],
  codes: readonly string[],
) {
  await deps.states.set(
    loaded.tenant.id,
    loaded.details.uid,
    { stage: 'mfa_done', username: user.username, userId: user.userId, amr: [...amr] },
    loaded.ttlSeconds,
  );
  return sendPage(
    reply,
    200,
    recoveryCodesPage({
      tenantDisplayName: loaded.tenant.displayName,
      codes,
      continueAction: `${loaded.base}/mfa-continue`,
      csrfToken: loaded.token,
    }),
  );
}

/** The page of `mfa_done` when the browser comes back (reload): the codes are gone, only "continue". */
export function renderContinue(reply: FastifyReply, loaded: Loaded) {
  return sendPage(
    reply,
    200,
    continuePage({
      tenantDisplayName: loaded.tenant.displayName,
      action: `${loaded.base}/mfa-continue`,
      csrfToken: loaded.token,
    }),
  );
}
