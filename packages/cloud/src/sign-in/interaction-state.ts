/**
 * What sign-in remembers about one interaction between requests, as a small state machine:
 *   change_password     a correct password said "expired / must change" for this username;
 *   mfa                 the password was accepted for this user; a second factor is due (one of `methods`);
 *   mfa_enrol           the password was accepted; the policy requires MFA and the user is setting up an app or a
 *                       security key;
 *   mfa_done            the second factor was proven (recovery codes being shown); only "continue" is left.
 * A pending WebAuthn challenge rides along in `mfa` / `mfa_enrol` (random, public, single use).
 * Never a password: the change page asks for the current password again. Kept in the store next to the interaction
 * (oidc_payloads, type SignInState) and expiring with it, so any cloud instance can serve the next request. The
 * state is server side and keyed by the interaction: a browser cannot claim a stage it did not reach.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { createPayloadAdapter } from '../oidc/payload-adapter.ts';
import type { Database } from '../store/schema.ts';

const username = z.string().max(1024);
const userId = z.string().max(256);
/** The challenge of the WebAuthn options last sent on this interaction (base64url); single use. */
const webauthnChallenge = z.string().max(256).optional();

const stateSchema = z.discriminatedUnion('stage', [
  z.object({
    stage: z.literal('change_password'),
    username,
    reason: z.enum(['password_expired', 'password_must_change']),
  }),
  z.object({
    stage: z.literal('mfa'),
    username,
    userId,
    methods: z.array(z.enum(['totp', 'recovery_code', 'webauthn'])).max(3),
    webauthnChallenge,
  }),
  z.object({ stage: z.literal('mfa_enrol'), username, userId, webauthnChallenge }),
  z.object({ stage: z.literal('mfa_done'), username, userId, amr: z.array(z.string().max(16)).max(8) }),
]);

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
      // Most interactions never had a state: a read by primary key is far cheaper than a write (a commit).
      const adapter = adapterFor(tenantId);
      if (await adapter.find(uid)) await adapter.destroy(uid);
    },
  };
}
