/**
 * Agent registration tokens: `optk1.<id>.<secret>.<ca-pin>` (docs/PROTOCOL.md, "Trust bootstrap").
 * - id: 16 random bytes, base64url (22 chars): finds the token row; not secret.
 * - secret: 32 random bytes, base64url (43 chars): the cloud stores only its SHA-256.
 * - ca-pin: SHA-256 of the DER of the CA certificate that issued the cloud's TLS certificate, base64url (43 chars).
 *   The agent refuses to talk to a server whose presented chain does not contain that CA (like kubeadm's
 *   --discovery-token-ca-cert-hash), so a token cannot lead it to an impostor.
 */
export const REGISTRATION_TOKEN_PREFIX = 'optk1';

export interface RegistrationTokenParts {
  id: string;
  secret: string;
  caPin: string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** The token's parts, or undefined when it is not a well-formed token. */
export function parseRegistrationTokenParts(token: unknown): RegistrationTokenParts | undefined {
  if (typeof token !== 'string' || token.length > 256) return undefined;
  const parts = token.trim().split('.');
  if (parts.length !== 4) return undefined;
  const [prefix, id, secret, caPin] = parts as [string, string, string, string];
  if (prefix !== REGISTRATION_TOKEN_PREFIX || id.length !== 22 || secret.length !== 43 || caPin.length !== 43) {
    return undefined;
  }
  if (!B64URL.test(id) || !B64URL.test(secret) || !B64URL.test(caPin)) return undefined;
  return { id, secret, caPin };
}

export function formatRegistrationToken(parts: RegistrationTokenParts): string {
  return `${REGISTRATION_TOKEN_PREFIX}.${parts.id}.${parts.secret}.${parts.caPin}`;
}
