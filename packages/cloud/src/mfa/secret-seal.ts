import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ProtectionError } from '../protection/errors.ts';
import { loadOrCreateDataKey } from '../tenants/data-key.ts';

/**
 * Seals second-factor secrets (TOTP shared secrets) at rest with AES-256-GCM (NIST SP 800-38D).
 *
 * Key source: the cloud's data key (32 bytes; `<dataDir>/data.key`, or the file named by OPENPTA_DATA_KEY_FILE /
 * `--data-key-file`, created with mode 0600 on first start by tenants/data-key.ts). The MFA key is derived from it
 * with HKDF-SHA256 (RFC 5869) under its own label, so the same data key never encrypts two kinds of data directly.
 * Back the data key up with the database: without it every TOTP enrolment must be reset.
 *
 * The sealed value is bound to its owner through the GCM additional authenticated data (tenant id and user id): a
 * sealed secret copied to another user's row does not open.
 */
export interface SecretSeal {
  seal(plaintext: Uint8Array, owner: SealOwner): string;
  open(sealed: string, owner: SealOwner): Buffer;
}

export interface SealOwner {
  tenantId: string;
  userId: string;
}

const VERSION = 'm1';
const HKDF_INFO = 'openpta mfa secret seal v1';

export function createSecretSeal(dataKey: Uint8Array): SecretSeal {
  if (dataKey.length !== 32) throw new ProtectionError('ERR_MFA_KEY_INVALID', 'the data key must be 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), HKDF_INFO, 32));
  const aad = (owner: SealOwner) => Buffer.from(JSON.stringify([owner.tenantId, owner.userId]), 'utf8');
  return {
    seal(plaintext, owner) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(owner));
      const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return [VERSION, iv, data, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, owner) {
      const [version, iv, data, tag, extra] = sealed.split('.');
      if (version !== VERSION || !iv || data === undefined || !tag || extra !== undefined) {
        throw new ProtectionError('ERR_MFA_SECRET_UNREADABLE', 'sealed MFA secret has an unknown format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(aad(owner));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
      } catch (cause) {
        throw new ProtectionError(
          'ERR_MFA_SECRET_UNREADABLE',
          'sealed MFA secret does not open with this data key: restore the data key from backup, or reset the MFA of this user',
          { cause },
        );
      }
    },
  };
}

/** The seal the cloud uses: keyed from the data key file (config `dataKeyFile`, created at first start). */
export function secretSealFromDataKeyFile(file: string): SecretSeal {
  return createSecretSeal(loadOrCreateDataKey(file));
}
