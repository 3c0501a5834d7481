/**
 * oidc-provider storage adapter on the project's store (table oidc_payloads), scoped to one tenant. One row per
 * artefact; secondary lookups by uid (sessions), user code (device flow) and grant id (revocation cascades).
 * `find` ignores rows past their expiry (the provider may ask for an expired id before the sweep removed it).
 * The Client model is not stored here: clients come from the tenants service (see ClientSource).
 */
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../store/schema.ts';

/** Supplies client metadata for the provider (oidc-provider's Client model), from the tenants service. */
export type ClientSource = (clientId: string) => Promise<AdapterPayload | undefined>;

export interface PayloadAdapterOptions {
  readonly db: Kysely<Database>;
  readonly tenantId: string;
  readonly clients: ClientSource;
  readonly now?: () => number;
}

/** Returns the adapter class oidc-provider instantiates once per model name (`new Adapter('Session')`). */
export function createPayloadAdapter(options: PayloadAdapterOptions): new (model: string) => Adapter {
  const { db, tenantId, clients } = options;
  const now = options.now ?? Date.now;

  return class StorePayloadAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        expires_at: expiresIn ? now() + expiresIn * 1000 : null,
        consumed_at: null,
      };
      await db
        .insertInto('oidc_payloads')
        .values({ tenant_id: tenantId, type: this.model, id, ...row })
        .onConflict((oc) => oc.columns(['tenant_id', 'type', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients(id);
      return this.#findBy('id', id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('uid', uid);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_payloads')
        .set({ consumed_at: now() })
        .where('tenant_id', '=', tenantId)
        .where('type', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db
        .deleteFrom('oidc_payloads')
        .where('tenant_id', '=', tenantId)
        .where('type', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every artefact of the grant, whatever its model (codes, access and refresh tokens).
      await db.deleteFrom('oidc_payloads').where('tenant_id', '=', tenantId).where('grant_id', '=', grantId).execute();
    }

    async #findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'consumed_at'])
        .where('tenant_id', '=', tenantId)
        .where('type', '=', this.model)
        .where(column, '=', value)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]))
        .executeTakeFirst();
      if (!row) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      // oidc-provider reads `consumed` (epoch seconds) to detect replay of codes and rotated refresh tokens.
      if (row.consumed_at !== null) payload.consumed = Math.floor(Number(row.consumed_at) / 1000);
      return payload;
    }
  };
}

/** Deletes expired artefacts of every tenant; returns how many rows went. Run periodically (see startPayloadSweep). */
export async function sweepExpiredPayloads(db: Kysely<Database>, now: number = Date.now()): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Sweeps every `intervalMs`; the timer does not keep the process alive. Returns a stop function. */
export function startPayloadSweep(
  db: Kysely<Database>,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    sweepExpiredPayloads(db).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
