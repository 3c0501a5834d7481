import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type AgentCredentialsResponse, agentCredentialsSchema } from '@openpta/protocol';
import { AgentIdentityError } from './errors.ts';

/** The answer must be a certificate for the key we just made, naming the encryption key we sent. */
export function checkCredentials(answer: unknown, tlsKeyPem: string, encryptionKid: string): AgentCredentialsResponse {
  const parsed = agentCredentialsSchema.safeParse(answer);
  if (!parsed.success) throw new AgentIdentityError('CLOUD_BAD_RESPONSE', 'unexpected answer shape');
  let matches = false;
  try {
    matches = new X509Certificate(parsed.data.certificatePem).checkPrivateKey(createPrivateKey(tlsKeyPem));
  } catch {
    matches = false;
  }
  if (!matches) throw new AgentIdentityError('CLOUD_BAD_RESPONSE', 'the certificate is not for our key');
  if (parsed.data.encryptionKid !== encryptionKid) {
    throw new AgentIdentityError('CLOUD_BAD_RESPONSE', 'the cloud registered another encryption key');
  }
  return parsed.data;
}
