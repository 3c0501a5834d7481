import { X509Certificate } from 'node:crypto';
import { importEnvelopePublicKey } from '@openpta/protocol';
import { AgentIdentityError } from '../pki/errors.ts';
import { type PresentedCertificate, readAgentCertificate } from '../pki/read-agent-certificate.ts';
import { LazyEnvelopePublicKey } from './lazy-envelope-key.ts';
import type { RegistryContext } from './registry-context.ts';
import type { AgentAuthenticationResult } from './registry-types.ts';

/**
 * Certificate authentication of agents (every gateway connection and every renewal). A certificate is accepted only
 * when: it carries one agent identity URI and EKU clientAuth; the agent exists in that tenant and is not revoked; the
 * tenant's agent CA issued it; it is exactly the agent's current certificate (not superseded by a renewal); and it is
 * within its validity.
 */
export function createCertificateAuthenticator(ctx: RegistryContext) {
  const parsedCas = new Map<string, X509Certificate>();
  const parsedCa = (pem: string) => {
    let parsed = parsedCas.get(pem);
    if (!parsed) {
      parsed = new X509Certificate(pem);
      parsedCas.set(pem, parsed);
    }
    return parsed;
  };

  /** Throws AgentIdentityError; returns the agent row and the certificate facts. */
  async function authenticate(presented: PresentedCertificate) {
    const facts = readAgentCertificate(presented);
    const row = await ctx.db.selectFrom('agents').selectAll().where('id', '=', facts.agentId).executeTakeFirst();
    if (!row) throw new AgentIdentityError('AGENT_UNKNOWN');
    if (row.tenant_id !== facts.tenantId) throw new AgentIdentityError('CERT_INVALID', 'tenant mismatch');
    if (row.status === 'revoked') throw new AgentIdentityError('AGENT_REVOKED');
    const ca = parsedCa((await ctx.cas.forTenant(row.tenant_id)).pem);
    // Defence in depth: the fingerprint below already pins the exact certificate we issued.
    if (!facts.certificate.checkIssued(ca) || !facts.certificate.verify(ca.publicKey)) {
      throw new AgentIdentityError('CERT_INVALID', 'not issued by the tenant agent CA');
    }
    if (facts.fingerprint !== row.cert_fingerprint) throw new AgentIdentityError('CERT_SUPERSEDED');
    const time = ctx.now();
    if (time >= facts.notAfter) throw new AgentIdentityError('CERT_EXPIRED');
    if (time < facts.notBefore) throw new AgentIdentityError('CERT_INVALID', 'not yet valid (clock skew?)');
    return { row, facts };
  }

  /** The same check as a result: never throws for a bad certificate. */
  async function authenticateAgentCertificate(presented: PresentedCertificate): Promise<AgentAuthenticationResult> {
    try {
      const { row, facts } = await authenticate(presented);
      return {
        ok: true,
        agent: {
          agentId: row.id,
          tenantId: row.tenant_id,
          name: row.name,
          certificateFingerprint: facts.fingerprint,
          certificateNotAfter: facts.notAfter,
          // Checked here (a bad stored key fails the authentication), kept unimported until a request is sealed to it.
          envelopeKey: new LazyEnvelopePublicKey(importEnvelopePublicKey(JSON.parse(row.enc_public_jwk))),
        },
      };
    } catch (error) {
      if (error instanceof AgentIdentityError) return { ok: false, code: error.reason, message: error.message };
      throw error;
    }
  }

  return { authenticate, authenticateAgentCertificate };
}

export type CertificateAuthenticator = ReturnType<typeof createCertificateAuthenticator>;
