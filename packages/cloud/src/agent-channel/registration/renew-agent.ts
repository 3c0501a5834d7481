import { recordAudit } from '../../admin/audit.ts';
import { AgentIdentityError } from '../pki/errors.ts';
import { issueAgentCertificate, verifyAgentCsr } from '../pki/issue-agent-certificate.ts';
import type { CertificateAuthenticator } from './authenticate-agent.ts';
import { credentialsFor, parseEncryptionKey, type RegistryContext } from './registry-context.ts';
import type { AgentCredentials, RenewInput } from './registry-types.ts';

/**
 * Renewal over mutual TLS: the current certificate authenticates (so a revoked, expired or superseded one cannot
 * renew); a new certificate and a new encryption key replace the old ones in one conditional update; `renewed` fires.
 */
export async function renewWithCertificate(
  ctx: RegistryContext,
  authenticate: CertificateAuthenticator['authenticate'],
  input: RenewInput,
): Promise<AgentCredentials> {
  const { row, facts } = await authenticate(input.peerCertificate);
  const csr = await verifyAgentCsr(input.csrPem);
  const envelopeKey = parseEncryptionKey(input.encryptionKey);
  const time = ctx.now();
  const ca = await ctx.cas.forTenant(row.tenant_id);
  const issued = await issueAgentCertificate({
    ca,
    csr,
    tenantId: row.tenant_id,
    agentId: row.id,
    validityMs: ctx.settings.certificateValidityMs,
    now: time,
  });
  // Only the certificate that authenticated this call may be replaced (two renewals racing: one wins).
  const updated = await ctx.db
    .updateTable('agents')
    .set({
      cert_serial: issued.serial,
      cert_fingerprint: issued.fingerprint,
      cert_not_before: issued.notBefore,
      cert_not_after: issued.notAfter,
      enc_kid: envelopeKey.kid,
      enc_public_jwk: JSON.stringify(envelopeKey.jwk),
      renewed_at: time,
    })
    .where('id', '=', row.id)
    .where('cert_fingerprint', '=', facts.fingerprint)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new AgentIdentityError('CERT_SUPERSEDED');
  await recordAudit(
    ctx.db,
    {
      actor: `agent:${row.id}`,
      action: 'agent.renew',
      target: `agent:${row.id}`,
      details: {
        tenantId: row.tenant_id,
        certificateSerial: issued.serial,
        certificateNotAfter: issued.notAfter,
        previousCertificateSerial: row.cert_serial,
        encryptionKid: envelopeKey.kid,
        previousEncryptionKid: row.enc_kid,
      },
    },
    time,
  );
  ctx.events.emitRenewed({
    agentId: row.id,
    tenantId: row.tenant_id,
    encryptionKid: envelopeKey.kid,
    encryptionKey: envelopeKey,
    previousFingerprint: facts.fingerprint,
  });
  return credentialsFor(ctx, row, issued, time, ca.pem, envelopeKey.kid);
}
