import { webcrypto } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../tenants/secret-box.ts';
import { randomSerial, SIGNING_ALGORITHM, x509 } from './x509-setup.ts';

const DAY_MS = 86_400_000;
/** The agent CA outlives many agent certificates; rotating it means re-registering the tenant's agents. */
export const AGENT_CA_VALIDITY_MS = 10 * 365 * DAY_MS;

export interface AgentCa {
  tenantId: string;
  certificate: x509.X509Certificate;
  pem: string;
  privateKey: CryptoKey;
}

export interface AgentCaStore {
  /** The tenant's agent CA, created on first use. Concurrent first calls create it once. */
  forTenant(tenantId: string): Promise<AgentCa>;
}

/**
 * One agent CA per tenant, so a certificate can only ever identify an agent of the tenant whose CA signed it. The CA
 * key is stored in the database sealed with the data key (AES-256-GCM), never in clear.
 */
export function createAgentCaStore(options: {
  db: Kysely<Database>;
  secretBox: SecretBox;
  now?: () => number;
}): AgentCaStore {
  const { db, secretBox } = options;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Promise<AgentCa>>();

  async function load(tenantId: string): Promise<AgentCa | undefined> {
    const row = await db.selectFrom('agent_cas').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) return undefined;
    const pkcs8 = x509.PemConverter.decodeFirst(secretBox.open(row.private_key_sealed));
    const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, SIGNING_ALGORITHM, false, ['sign']);
    return {
      tenantId,
      certificate: new x509.X509Certificate(row.certificate_pem),
      pem: row.certificate_pem,
      privateKey: privateKey as CryptoKey,
    };
  }

  async function create(tenantId: string): Promise<AgentCa> {
    const keys = (await webcrypto.subtle.generateKey(SIGNING_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const time = now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=openpta agent CA, OU=${tenantId}, O=openpta`,
      notBefore: new Date(time - DAY_MS),
      notAfter: new Date(time + AGENT_CA_VALIDITY_MS),
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        // pathLen 0: this CA issues agent certificates only, never another CA.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    const pem = certificate.toString('pem');
    const inserted = await db
      .insertInto('agent_cas')
      .values({
        tenant_id: tenantId,
        certificate_pem: pem,
        private_key_sealed: secretBox.seal(x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')),
        not_after: certificate.notAfter.getTime(),
        created_at: time,
      })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .executeTakeFirst();
    // Another node created it first: use theirs.
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const existing = await load(tenantId);
      if (existing) return existing;
    }
    return { tenantId, certificate, pem, privateKey: keys.privateKey };
  }

  return {
    forTenant(tenantId) {
      let pending = cache.get(tenantId);
      if (!pending) {
        pending = (async () => (await load(tenantId)) ?? create(tenantId))();
        pending.catch(() => cache.delete(tenantId));
        cache.set(tenantId, pending);
      }
      return pending;
    },
  };
}
