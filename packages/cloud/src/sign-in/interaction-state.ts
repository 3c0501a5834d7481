/**
 * What sign-in remembers about one interaction between requests: only that a password change is pending for a
 * username (and why). Never a password: the change page asks for the current password again. Kept in the store
 * next to the interaction (oidc_payloads, type SignInState) and expiring with it, so any cloud instance can serve
 * the next request.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { createPayloadAdapter } from '../oidc/payload-adapter.ts';
import type { Database } from '../store/schema.ts';

const stateSchema = z.object({
  stage: z.literal('change_password'),
  username: z.string().max(1024),
  reason: z.enum(['password_expired', 'password_must_change']),
});

export type InteractionState = z.output<typeof stateSchema>;

export interface InteractionStateStore {
  get(tenantId: string, uid: string): Promise<InteractionState | undefined>;
  set(tenantId: string, uid: string, state: InteractionState, expiresInSeconds: number): Promise<void>;
  clear(tenantId: string, uid: string): Promise<void>;
}

export function createInteractionStateStore(db: Kysely<Database>): InteractionStateStore {
  const adapterFor = (tenantId: string) => {
    const Adapter = createPayloadAdapter({ db, tenantId, clients: async () => undefined });
    return new Adapter('SignInState');
  };
  return {
    async get(tenantId, uid) {
      const parsed = stateSchema.safeParse(await adapterFor(tenantId).find(uid));
      return parsed.success ? parsed.data : undefined;
    },
    async set(tenantId, uid, state, expiresInSeconds) {
      await adapterFor(tenantId).upsert(uid, { ...state }, Math.max(1, Math.floor(expiresInSeconds)));
    },
    async clear(tenantId, uid) {
      await adapterFor(tenantId).destroy(uid);
    },
  };
}
