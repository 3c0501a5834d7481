import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ProtectionError } from '../protection/errors.ts';
import type { Database } from '../store/schema.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.ts';
import { type MfaResetResult, resetUserMfa } from './reset.ts';
import type { SecretSeal } from './secret-seal.ts';
import { checkTotpCode, createTotpEnrolment, type TotpEnrolment } from './totp.ts';
import type { StoredWebAuthnCredential } from './webauthn.ts';

const NO_SEAL: SecretSeal = {
  seal() {
    throw new ProtectionError('ERR_MFA_KEY_INVALID', 'this MfaService was created without the data key seal');
  },
  open() {
    throw new ProtectionError('ERR_MFA_KEY_INVALID', 'this MfaService was created without the data key seal');
  },
};

/** How long a started TOTP enrolment waits for its first code. */
const ENROLMENT_TTL_MS = 15 * 60_000;

export interface UserRef {
  tenantId: string;
  userId: string;
}

export interface MfaStatus {
  totp: 'none' | 'pending' | 'confirmed';
  webauthn: { id: string; name: string; deviceType: string; createdAt: number; lastUsedAt: number | null }[];
  recoveryCodesLeft: number;
}

export type SecondFactorCheck =
  | { ok: true }
  | { ok: false; reason: 'not_enrolled' | 'invalid' | 'replayed' | 'malformed' };

/**
 * A user's second factors in the store: TOTP (sealed secret, last accepted step), recovery codes (hashes) and
 * WebAuthn credentials. Lockout is the caller's: wrap each check in SmartLockout.beginMfa() / finish().
 */
export class MfaService {
  readonly #db: Kysely<Database>;
  readonly #seal: SecretSeal;
  readonly #now: () => number;

  /** `seal` may be left out by readers that never touch a TOTP secret (status, recovery codes, reset). */
  constructor(options: { db: Kysely<Database>; seal?: SecretSeal; now?: () => number }) {
    this.#db = options.db;
    this.#seal = options.seal ?? NO_SEAL;
    this.#now = options.now ?? Date.now;
  }

  async status(user: UserRef): Promise<MfaStatus> {
    const totp = await this.#db
      .selectFrom('mfa_totp')
      .select(['confirmed_at', 'created_at'])
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .executeTakeFirst();
    const codes = await this.#db
      .selectFrom('mfa_recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    const keys = await this.#db
      .selectFrom('webauthn_credentials')
      .select(['id', 'name', 'device_type', 'created_at', 'last_used_at'])
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .orderBy('created_at')
      .execute();
    return {
      totp: !totp ? 'none' : totp.confirmed_at === null ? 'pending' : 'confirmed',
      webauthn: keys.map((k) => ({
        id: k.id,
        name: k.name,
        deviceType: k.device_type,
        createdAt: Number(k.created_at),
        lastUsedAt: k.last_used_at === null ? null : Number(k.last_used_at),
      })),
      recoveryCodesLeft: Number(codes.n),
    };
  }

  /** Whether the user has a usable second factor (a confirmed TOTP or a WebAuthn key). */
  async isEnrolled(user: UserRef): Promise<boolean> {
    const s = await this.status(user);
    return s.totp === 'confirmed' || s.webauthn.length > 0;
  }

  /**
   * Starts (or restarts) a TOTP enrolment: a new secret, sealed in the store as pending until the first code.
   * Refused when the user already has a confirmed TOTP (an admin resets it first).
   */
  async beginTotpEnrolment(user: UserRef & { issuer: string; accountName: string }): Promise<TotpEnrolment> {
    const enrolment = await createTotpEnrolment({ issuer: user.issuer, accountName: user.accountName });
    const sealed = this.#seal.seal(enrolment.secret, user);
    const now = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('mfa_totp')
        .select('confirmed_at')
        .where('user_id', '=', user.userId)
        .executeTakeFirst();
      if (existing && existing.confirmed_at !== null) {
        throw new ProtectionError('ERR_MFA_ALREADY_ENROLLED', 'an authenticator app is already set up for this user');
      }
      await trx.deleteFrom('mfa_totp').where('user_id', '=', user.userId).execute();
      await trx
        .insertInto('mfa_totp')
        .values({
          user_id: user.userId,
          tenant_id: user.tenantId,
          secret_sealed: sealed,
          confirmed_at: null,
          last_used_step: null,
          created_at: now,
        })
        .execute();
    });
    return enrolment;
  }

  /**
   * Confirms a pending enrolment with the first code from the app. On success returns fresh recovery codes when the
   * user had none left (show them once), else null.
   */
  async confirmTotpEnrolment(
    user: UserRef & { code: string },
  ): Promise<{ ok: true; recoveryCodes: string[] | null } | Exclude<SecondFactorCheck, { ok: true }>> {
    const row = await this.#db
      .selectFrom('mfa_totp')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    if (!row || this.#now() - Number(row.created_at) > ENROLMENT_TTL_MS) {
      throw new ProtectionError('ERR_MFA_ENROLMENT_NOT_FOUND', 'no authenticator app set-up in progress: start again');
    }
    const check = checkTotpCode({
      secret: this.#seal.open(row.secret_sealed, user),
      code: user.code,
      now: this.#now(),
      lastUsedStep: null,
    });
    if (!check.ok) return check;
    const updated = await this.#db
      .updateTable('mfa_totp')
      .set({ confirmed_at: this.#now(), last_used_step: check.step })
      .where('user_id', '=', user.userId)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return { ok: false, reason: 'replayed' };
    const { recoveryCodesLeft } = await this.status(user);
    return { ok: true, recoveryCodes: recoveryCodesLeft === 0 ? await this.regenerateRecoveryCodes(user) : null };
  }

  /**
   * Checks a TOTP code at sign-in. The accepted time step is stored with a conditional update (only if greater than
   * the stored one), so two parallel requests with the same code cannot both succeed (RFC 6238 section 5.2).
   */
  async verifyTotp(user: UserRef & { code: string }): Promise<SecondFactorCheck> {
    const row = await this.#db
      .selectFrom('mfa_totp')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_enrolled' };
    const check = checkTotpCode({
      secret: this.#seal.open(row.secret_sealed, user),
      code: user.code,
      now: this.#now(),
      lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    });
    if (!check.ok) return check;
    const updated = await this.#db
      .updateTable('mfa_totp')
      .set({ last_used_step: check.step })
      .where('user_id', '=', user.userId)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', check.step)]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? { ok: true } : { ok: false, reason: 'replayed' };
  }

  /** Replaces the user's recovery codes with 10 new ones; returns them in clear, once. */
  async regenerateRecoveryCodes(user: UserRef): Promise<string[]> {
    const codes = generateRecoveryCodes();
    const now = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', user.userId).execute();
      await trx
        .insertInto('mfa_recovery_codes')
        .values(
          codes.map((code) => ({
            id: randomUUID(),
            user_id: user.userId,
            tenant_id: user.tenantId,
            code_hash: hashRecoveryCode(user.userId, normalizeRecoveryCode(code)!),
            used_at: null,
            created_at: now,
          })),
        )
        .execute();
    });
    return codes;
  }

  /**
   * Uses a recovery code: succeeds once per code. Marked used with a conditional update, so a code cannot be spent
   * twice even by parallel requests. (The lookup is by hash of a random 80-bit code: nothing to learn from timing.)
   */
  async useRecoveryCode(user: UserRef & { code: string }): Promise<SecondFactorCheck> {
    const normalized = normalizeRecoveryCode(user.code);
    if (!normalized) return { ok: false, reason: 'malformed' };
    const updated = await this.#db
      .updateTable('mfa_recovery_codes')
      .set({ used_at: this.#now() })
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .where('code_hash', '=', hashRecoveryCode(user.userId, normalized))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? { ok: true } : { ok: false, reason: 'invalid' };
  }

  async listWebAuthnCredentials(user: UserRef): Promise<StoredWebAuthnCredential[]> {
    const rows = await this.#db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('tenant_id', '=', user.tenantId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      publicKey: r.public_key,
      counter: Number(r.counter),
      transports: JSON.parse(r.transports) as string[],
      deviceType: r.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
      backedUp: r.backed_up === 1,
    }));
  }

  async addWebAuthnCredential(user: UserRef & { credential: StoredWebAuthnCredential; name: string }): Promise<void> {
    const c = user.credential;
    await this.#db
      .insertInto('webauthn_credentials')
      .values({
        id: c.id,
        user_id: user.userId,
        tenant_id: user.tenantId,
        public_key: c.publicKey,
        counter: c.counter,
        transports: JSON.stringify(c.transports),
        device_type: c.deviceType,
        backed_up: c.backedUp ? 1 : 0,
        name: user.name.slice(0, 100),
        created_at: this.#now(),
        last_used_at: null,
      })
      .execute();
  }

  /** Stores the signature counter after a verified assertion. */
  async recordWebAuthnUse(user: UserRef & { credentialId: string; newCounter: number }): Promise<void> {
    await this.#db
      .updateTable('webauthn_credentials')
      .set({ counter: user.newCounter, last_used_at: this.#now() })
      .where('id', '=', user.credentialId)
      .where('user_id', '=', user.userId)
      .execute();
  }

  /** Admin action: see reset.ts (removes every factor, audited in the same transaction). */
  async resetUserMfa(user: UserRef & { actor: string; reason?: string }): Promise<MfaResetResult> {
    return resetUserMfa(this.#db, user, this.#now());
  }
}
