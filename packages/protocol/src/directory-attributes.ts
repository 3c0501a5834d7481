import { z } from 'zod';

/**
 * What the agent tells the cloud about a user after a successful validation. `objectGuid` is the directory's
 * immutable id (AD objectGUID as a lower-case GUID string): the cloud keys users on it, never on the UPN, which can
 * change. Every other field is optional because which attributes are sent is configurable on the agent.
 */
export const directoryAttributesSchema = z.object({
  objectGuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  upn: z.string().max(1024).optional(),
  sam: z.string().max(256).optional(),
  displayName: z.string().max(1024).optional(),
  givenName: z.string().max(1024).optional(),
  sn: z.string().max(1024).optional(),
  mail: z.string().max(1024).optional(),
  groups: z.array(z.string().max(1024)).max(4096).optional(),
  dn: z.string().max(4096).optional(),
});

export type DirectoryAttributes = z.infer<typeof directoryAttributesSchema>;
