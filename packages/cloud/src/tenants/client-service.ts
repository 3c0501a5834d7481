import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { notFound } from '../errors.ts';
import { randomUrlSafeId } from '../random-id.ts';
import type { Database, OidcClientsTable } from '../store/schema.ts';
import type { SecretBox } from './secret-box.ts';
import { redirectUriSchema, settingsSchema } from './validation.ts';

export interface OidcClient {
  clientId: string;
  tenantId: string;
  name: string;
  redirectUris: string[];
  /** Public clients (SPAs, native apps) have no secret and must use PKCE (RFC 7636); confidential ones have one. */
  public: boolean;
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** A client as the OIDC provider needs it: with the unsealed secret (confidential clients only). */
export interface OidcClientWithSecret extends OidcClient {
  clientSecret: string | undefined;
}

export const createClientInputSchema = z.object({
  tenantId: z.string().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  redirectUris: z.array(redirectUriSchema).min(1, 'a client needs at least one redirect URI').max(50),
  public: z.boolean().default(false),
  settings: settingsSchema.optional(),
});
export type CreateClientInput = z.input<typeof createClientInputSchema>;

export interface ClientService {
  /** Creates a client; the returned `clientSecret` is shown once (confidential clients only). */
  create(input: CreateClientInput): Promise<{ client: OidcClient; clientSecret: string | undefined }>;
  /** Clients of one tenant, or of every tenant when `tenantId` is omitted. */
  list(tenantId?: string): Promise<OidcClient[]>;
  get(clientId: string): Promise<OidcClient | undefined>;
  /** For the OIDC provider's client lookup: includes the unsealed secret. */
  getWithSecret(clientId: string): Promise<OidcClientWithSecret | undefined>;
  delete(clientId: string): Promise<void>;
}

export interface ClientServiceOptions {
  db: Kysely<Database>;
  secretBox: SecretBox;
  now?: () => number;
}

function toClient(row: OidcClientsTable): OidcClient {
  return {
    clientId: row.client_id,
    tenantId: row.tenant_id,
    name: row.name,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    public: Number(row.public_client) === 1,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function createClientService({ db, secretBox, now = Date.now }: ClientServiceOptions): ClientService {
  return {
    async create(raw) {
      const input = createClientInputSchema.parse(raw);
      const tenant = await db.selectFrom('tenants').select('id').where('id', '=', input.tenantId).executeTakeFirst();
      if (!tenant) throw notFound('tenant');
      // 128 bits for the id (not a secret, only unique); 256 bits for the secret.
      const clientId = randomUrlSafeId(16);
      // A private_key_jwt client proves itself with its key (RFC 7523): a secret would be one more thing to leak.
      const usesSecret = !input.public && input.settings?.tokenEndpointAuthMethod !== 'private_key_jwt';
      const clientSecret = usesSecret ? randomBytes(32).toString('base64url') : undefined;
      const time = now();
      const row: OidcClientsTable = {
        client_id: clientId,
        tenant_id: input.tenantId,
        name: input.name ?? clientId,
        client_secret_sealed: clientSecret === undefined ? null : secretBox.seal(clientSecret),
        redirect_uris: JSON.stringify([...new Set(input.redirectUris)]),
        public_client: input.public ? 1 : 0,
        settings: JSON.stringify(input.settings ?? {}),
        created_at: time,
        updated_at: time,
      };
      await db.insertInto('oidc_clients').values(row).execute();
      return { client: toClient(row), clientSecret };
    },

    async list(tenantId) {
      let query = db.selectFrom('oidc_clients').selectAll();
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      return (await query.orderBy('created_at').orderBy('client_id').execute()).map(toClient);
    },

    async get(clientId) {
      const row = await db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row ? toClient(row) : undefined;
    },

    async getWithSecret(clientId) {
      const row = await db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      if (!row) return undefined;
      return {
        ...toClient(row),
        clientSecret: row.client_secret_sealed === null ? undefined : secretBox.open(row.client_secret_sealed),
      };
    },

    async delete(clientId) {
      const result = await db.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound(`client ${clientId}`);
    },
  };
}
