import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../admin/audit.ts';
import { AgentIdentityError } from '../pki/errors.ts';
import { issueAgentCertificate, verifyAgentCsr } from '../pki/issue-agent-certificate.ts';
import { parseRegistrationToken, tokenSecretMatches } from './registration-token.ts';
import { credentialsFor, parseEncryptionKey, type RegistryContext } from './registry-context.ts';
import type { AgentCredentials, RegisterInput } from './registry-types.ts';

/**
 * Registration with a single-use token: token checks (constant-time hash comparison, tenant, used, expiry), CSR and
 * encryption key checks, atomic consumption of the token, issue of the certificate, the agent row and an audit event.
 */
export async function registerWithToken(ctx: RegistryContext, input: RegisterInput): Promise<AgentCredentials> {
  const parsed = parseRegistrationToken(input.token);
  const token = await ctx.db
    .selectFrom('agent_registration_tokens')
    .selectAll()
    .where('id', '=', parsed.id)
    .executeTakeFirst();
  // Hash comparison even for unknown ids, so the response time does not tell which ids exist.
  const matches = tokenSecretMatches(parsed.secret, token?.token_hash ?? '0'.repeat(64));
  if (!token || !matches) throw new AgentIdentityError('TOKEN_INVALID');
  if (input.tenant !== undefined) {
    const tenant = await ctx.db
      .selectFrom('tenants')
      .select(['id', 'name'])
      .where('id', '=', token.tenant_id)
      .executeTakeFirst();
    if (!tenant || (input.tenant !== tenant.id && input.tenant !== tenant.name)) {
      throw new AgentIdentityError('TOKEN_WRONG_TENANT');
    }
  }
  if (token.revoked_at !== null) throw new AgentIdentityError('TOKEN_REVOKED');
  if (token.used_at !== null) throw new AgentIdentityError('TOKEN_USED');
  const time = ctx.now();
  if (time >= Number(token.expires_at)) throw new AgentIdentityError('TOKEN_EXPIRED');

  const csr = await verifyAgentCsr(input.csrPem);
  const envelopeKey = parseEncryptionKey(input.encryptionKey);
  const agentId = randomUUID();
  // Consume first, atomically: of two concurrent registrations with one token, exactly one gets past here.
  const consumed = await ctx.db
    .updateTable('agent_registration_tokens')
    .set({ used_at: time, used_by_agent_id: agentId })
    .where('id', '=', token.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) throw new AgentIdentityError('TOKEN_USED');

  const ca = await ctx.cas.forTenant(token.tenant_id);
  const issued = await issueAgentCertificate({
    ca,
    csr,
    tenantId: token.tenant_id,
    agentId,
    validityMs: ctx.settings.certificateValidityMs,
    now: time,
  });
  const row = {
    id: agentId,
    tenant_id: token.tenant_id,
    name: input.name ?? input.hostname,
    hostname: input.hostname,
    agent_version: input.agentVersion,
    status: 'active',
    created_at: time,
    renewed_at: null,
    revoked_at: null,
    revoked_by: null,
    cert_serial: issued.serial,
    cert_fingerprint: issued.fingerprint,
    cert_not_before: issued.notBefore,
    cert_not_after: issued.notAfter,
    enc_kid: envelopeKey.kid,
    enc_public_jwk: JSON.stringify(envelopeKey.jwk),
    connected: 0,
    last_seen_at: null,
    remote_address: null,
    in_flight: 0,
    served_count: 0,
    failed_count: 0,
  };
  await ctx.db.insertInto('agents').values(row).execute();
  await recordAudit(
    ctx.db,
    {
      actor: `registration-token:${token.id}`,
      action: 'agent.register',
      target: `agent:${agentId}`,
      details: {
        tenantId: token.tenant_id,
        hostname: input.hostname,
        version: input.agentVersion,
        certificateSerial: issued.serial,
        certificateNotAfter: issued.notAfter,
        encryptionKid: envelopeKey.kid,
      },
    },
    time,
  );
  return credentialsFor(ctx, row, issued, time, ca.pem, envelopeKey.kid);
}
