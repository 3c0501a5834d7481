export { AGENT_CA_VALIDITY_MS, type AgentCa, type AgentCaStore, createAgentCaStore } from './agent-ca.ts';
export { AGENT_IDENTITY_ERRORS, AgentIdentityError, type AgentIdentityErrorCode } from './errors.ts';
export { caPin, certificateSha256Hex, formatFingerprint } from './fingerprint.ts';
export { agentIdentityUri, parseAgentIdentityUri } from './identity-uri.ts';
export { type IssuedAgentCertificate, issueAgentCertificate, verifyAgentCsr } from './issue-agent-certificate.ts';
export {
  type AgentCertificateFacts,
  type PresentedCertificate,
  readAgentCertificate,
} from './read-agent-certificate.ts';
