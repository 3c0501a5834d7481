/**
 * The agent's identity inside its certificate: a SAN URI `urn:openpta:agent:<tenantId>:<agentId>` (RFC 5280 section
 * 4.2.1.6). The subject also names both (CN = agent id, OU = tenant id) for humans, but only the URI is trusted.
 */
const PREFIX = 'urn:openpta:agent:';
const ID = /^[A-Za-z0-9-]{1,64}$/;

export function agentIdentityUri(tenantId: string, agentId: string): string {
  if (!ID.test(tenantId) || !ID.test(agentId)) throw new Error('tenant and agent ids must be [A-Za-z0-9-]{1,64}');
  return `${PREFIX}${tenantId}:${agentId}`;
}

export function parseAgentIdentityUri(uri: string): { tenantId: string; agentId: string } | undefined {
  if (!uri.startsWith(PREFIX)) return undefined;
  const [tenantId, agentId, ...rest] = uri.slice(PREFIX.length).split(':');
  if (rest.length > 0 || !tenantId || !agentId || !ID.test(tenantId) || !ID.test(agentId)) return undefined;
  return { tenantId, agentId };
}
