import type { TLSSocket } from 'node:tls';
import { AGENT_REGISTER_PATH, AGENT_RENEW_PATH, registerRequestSchema, renewRequestSchema } from '@openpta/protocol';
import type { FastifyInstance } from 'fastify';
import type { AgentRegistry } from './agent-registry.ts';

/**
 * The agent-facing identity API (docs/PROTOCOL.md, "Registration and renewal API"):
 * - POST /agent/v1/register: token + CSR + encryption key -> client certificate. No client certificate needed.
 * - POST /agent/v1/renew: CSR + new encryption key, authenticated by the current client certificate (mutual TLS).
 * The HTTPS server requests client certificates without requiring them (requestCert, rejectUnauthorized false), so
 * the certificate is checked here, by authenticateAgentCertificate, not by the TLS layer.
 */
export async function registrationRoutes(app: FastifyInstance, registry: AgentRegistry): Promise<void> {
  app.post(AGENT_REGISTER_PATH, async (request, reply) => {
    const body = registerRequestSchema.parse(request.body);
    const credentials = await registry.register({
      token: body.token,
      tenant: body.tenant,
      csrPem: body.csr,
      encryptionKey: body.encryptionKey,
      hostname: body.hostname,
      agentVersion: body.agentVersion,
      name: body.name,
    });
    request.log.info({ agentId: credentials.agentId, tenantId: credentials.tenantId }, 'agent registered');
    return reply.code(201).send(credentials);
  });

  app.post(AGENT_RENEW_PATH, async (request) => {
    const body = renewRequestSchema.parse(request.body);
    const socket = request.raw.socket as TLSSocket;
    const peerCertificate =
      typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate(false) : undefined;
    const credentials = await registry.renew({ peerCertificate, csrPem: body.csr, encryptionKey: body.encryptionKey });
    request.log.info({ agentId: credentials.agentId, tenantId: credentials.tenantId }, 'agent certificate renewed');
    return credentials;
  });
}
