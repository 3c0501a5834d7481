import { z } from 'zod';

/** identity.json: what the agent knows about itself. No secrets (keys live in their own 0600 files). */
export const identityStateSchema = z.object({
  version: z.literal(1),
  agentId: z.string().min(1),
  tenantId: z.string().min(1),
  /** https://host[:port] of the cloud (the agent derives the register/renew/connect URLs from it). */
  cloudUrl: z.string().url(),
  certificateNotBefore: z.number().int(),
  certificateNotAfter: z.number().int(),
  /** When to renew (from the cloud: notBefore + 2/3 of the validity by default). */
  renewAfter: z.number().int(),
  encryptionKid: z.string().min(1),
  /** Kept until previousEncryptionKeyUntil (epoch ms) for requests sealed before a renewal. */
  previousEncryptionKid: z.string().min(1).optional(),
  previousEncryptionKeyUntil: z.number().int().optional(),
  registeredAt: z.number().int(),
  renewedAt: z.number().int().optional(),
});

export type IdentityState = z.infer<typeof identityStateSchema>;
