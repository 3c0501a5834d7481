import { z } from 'zod';

/** What the envelope is for; a validate envelope cannot be replayed as a password change and vice versa. */
export const ENVELOPE_PURPOSES = ['validate', 'change-password'] as const;
export type EnvelopePurpose = (typeof ENVELOPE_PURPOSES)[number];

/** The `typ` header (RFC 8725 section 3.11: explicit typing keeps other JWEs from being accepted as envelopes). */
export const ENVELOPE_TYP = 'openpta-envelope+jwe';

/** AD passwords are at most 256 characters; the cap only bounds memory. Empty passwords never get sealed or opened. */
const secretText = z.string().min(1).max(1024);

const bindingFields = {
  v: z.literal(1),
  requestId: z.string().min(1).max(128),
  tenantId: z.string().min(1).max(256),
  /** The agent id this copy is for. */
  audience: z.string().min(1).max(256),
  /** Epoch milliseconds. */
  issuedAt: z.number().int().min(0),
  expiresAt: z.number().int().min(0),
  username: z.string().min(1).max(1024),
};

export const envelopeClaimsSchema = z.discriminatedUnion('purpose', [
  z.object({ ...bindingFields, purpose: z.literal('validate'), password: secretText }),
  z.object({
    ...bindingFields,
    purpose: z.literal('change-password'),
    oldPassword: secretText,
    newPassword: secretText,
  }),
]);

/** The decrypted content of an envelope. Contains plaintext passwords: never log it, drop it after the bind. */
export type EnvelopeClaims = z.infer<typeof envelopeClaimsSchema>;

/** What binds an envelope to one request (everything but the recipient, which sealEnvelope adds). */
export type EnvelopeBinding = { requestId: string; tenantId: string; expiresAt: number; issuedAt?: number };

export type EnvelopeSecret =
  | { purpose: 'validate'; username: string; password: string }
  | { purpose: 'change-password'; username: string; oldPassword: string; newPassword: string };
