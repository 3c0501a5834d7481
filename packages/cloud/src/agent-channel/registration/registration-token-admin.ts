import type { Kysely } from 'kysely';
import { recordAudit } from '../../admin/audit.ts';
import { CloudError, notFound } from '../../errors.ts';
import type { AgentRegistrationTokensTable, Database } from '../../store/schema.ts';

export type RegistrationTokenStatus = 'unused' | 'used' | 'expired' | 'revoked';

/** A registration token as administrators see it: never its secret (only its hash is stored anyway). */
export interface RegistrationTokenView {
  tokenId: string;
  tenantId: string;
  status: RegistrationTokenStatus;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedByAgentId: string | null;
  revokedAt: number | null;
  revokedBy: string | null;
}

function tokenView(row: AgentRegistrationTokensTable, now: number): RegistrationTokenView {
  const status: RegistrationTokenStatus =
    row.revoked_at !== null
      ? 'revoked'
      : row.used_at !== null
        ? 'used'
        : now >= Number(row.expires_at)
          ? 'expired'
          : 'unused';
  return {
    tokenId: row.id,
    tenantId: row.tenant_id,
    status,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
    usedByAgentId: row.used_by_agent_id,
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

/** The tenant's registration tokens, newest first. */
export async function listRegistrationTokens(
  db: Kysely<Database>,
  tenantId: string,
  now: number,
): Promise<RegistrationTokenView[]> {
  const rows = await db
    .selectFrom('agent_registration_tokens')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((row) => tokenView(row, now));
}

/**
 * Revokes a token that has not been used: it can no longer register an agent (registration checks it, and the
 * consuming update requires it unrevoked, so a revocation racing a registration leaves exactly one winner). Revoking
 * twice is harmless; a used token cannot be revoked (409: revoke the agent it registered instead).
 */
export async function revokeRegistrationToken(
  db: Kysely<Database>,
  tokenId: string,
  actor: string,
  now: number,
): Promise<RegistrationTokenView> {
  const row = await db.selectFrom('agent_registration_tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
  if (!row) throw notFound(`registration token ${tokenId}`);
  if (row.revoked_at === null) {
    const updated = await db
      .updateTable('agent_registration_tokens')
      .set({ revoked_at: now, revoked_by: actor })
      .where('id', '=', tokenId)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      const used = await db
        .selectFrom('agent_registration_tokens')
        .select('used_by_agent_id')
        .where('id', '=', tokenId)
        .executeTakeFirst();
      throw new CloudError(
        'conflict',
        `registration token ${tokenId} was already used by agent ${used?.used_by_agent_id ?? '?'}: ` +
          'revoke that agent instead (`openpta admin agents revoke ID`)',
      );
    }
    await recordAudit(
      db,
      {
        actor,
        action: 'agent.token.revoke',
        target: `tenant:${row.tenant_id}`,
        details: { tokenId },
      },
      now,
    );
  }
  const fresh = await db
    .selectFrom('agent_registration_tokens')
    .selectAll()
    .where('id', '=', tokenId)
    .executeTakeFirstOrThrow();
  return tokenView(fresh, now);
}
