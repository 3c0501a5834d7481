import type { Kysely } from 'kysely';
import { recordAudit } from '../admin/audit.ts';
import type { Database } from '../store/schema.ts';

export interface MfaResetResult {
  totp: boolean;
  webauthn: number;
  recoveryCodes: number;
}

/**
 * Admin action: removes every second factor of a user (TOTP, recovery codes, WebAuthn keys) and writes the audit
 * event `user.mfa.reset` in the same transaction, so there is never a reset without its audit record. The user
 * enrols again at the next sign-in if the tenant's policy requires MFA. Needs no data key (nothing is decrypted).
 */
export async function resetUserMfa(
  db: Kysely<Database>,
  input: { tenantId: string; userId: string; actor: string; reason?: string | undefined },
  now = Date.now(),
): Promise<MfaResetResult> {
  return db.transaction().execute(async (trx) => {
    const deleted = async (table: 'mfa_totp' | 'mfa_recovery_codes' | 'webauthn_credentials') => {
      const result = await trx
        .deleteFrom(table as 'mfa_totp')
        .where('user_id', '=', input.userId)
        .where('tenant_id', '=', input.tenantId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    };
    const removed: MfaResetResult = {
      totp: (await deleted('mfa_totp')) > 0,
      recoveryCodes: await deleted('mfa_recovery_codes'),
      webauthn: await deleted('webauthn_credentials'),
    };
    await recordAudit(
      trx,
      {
        actor: input.actor,
        action: 'user.mfa.reset',
        target: `user:${input.userId}`,
        details: { tenantId: input.tenantId, removed, ...(input.reason ? { reason: input.reason.slice(0, 500) } : {}) },
      },
      now,
    );
    return removed;
  });
}
