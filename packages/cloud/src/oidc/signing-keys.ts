/**
 * Per-tenant token signing keys, kept in the store (table signing_keys) so every cloud instance signs with the same
 * key and restarts do not invalidate issued tokens.
 *
 * Rotation without breaking relying parties (OpenID Connect Core 10.1.1: "the RP SHOULD re-fetch the JWKS when it
 * meets an unknown kid", but many cache it): a tenant always has one `active` key (signs) and one `next` key
 * (published in the JWKS, never used yet). rotateSigningKey() promotes `next` to `active` (RPs have had it since the
 * previous rotation), retires the old active key and keeps publishing it until every token it signed has expired
 * (`retire_until`), and creates a fresh `next` key.
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { randomUrlSafeId } from '../random-id.ts';
import type { Database, SigningKeyState } from '../store/schema.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

/** RS256 is the algorithm every OIDC client supports by default (OpenID Connect Core 15.1, RFC 7518 3.1). */
export const SIGNING_ALG = 'RS256';

export interface PrivateSigningJwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg: string;
  readonly use: 'sig';
  readonly key_ops?: readonly string[];
  readonly [parameter: string]: unknown;
}

export interface SigningKeyOptions {
  /** The longest lifetime of anything signed with a key (ID tokens, JWT access tokens, logout tokens), seconds. */
  readonly maxTokenTtlSeconds: number;
  readonly now?: () => number;
}

async function newKeyRow(tenantId: string, state: SigningKeyState, now: number) {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const kid = randomUrlSafeId(16);
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: SIGNING_ALG, use: 'sig' };
  return {
    tenant_id: tenantId,
    kid,
    alg: SIGNING_ALG,
    state,
    private_jwk: JSON.stringify(jwk),
    created_at: now,
    activated_at: state === 'active' ? now : null,
    retired_at: null,
    retire_until: null,
  };
}

/** Creates the tenant's `active` and `next` keys if missing (first use of a tenant). Idempotent. */
export async function ensureSigningKeys(db: Kysely<Database>, tenantId: string, now = Date.now()): Promise<void> {
  const rows = await db
    .selectFrom('signing_keys')
    .select('state')
    .where('tenant_id', '=', tenantId)
    .where('state', 'in', ['active', 'next'])
    .execute();
  const states = new Set(rows.map((r) => r.state));
  const missing = (['active', 'next'] as const).filter((s) => !states.has(s));
  if (missing.length === 0) return;
  const fresh = await Promise.all(missing.map((s) => newKeyRow(tenantId, s, now)));
  // Two instances starting at once may both get here: the loser's insert conflicts on nothing (random kids), so
  // guard with a re-check inside a transaction instead.
  await db.transaction().execute(async (trx) => {
    const again = await trx
      .selectFrom('signing_keys')
      .select('state')
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', ['active', 'next'])
      .execute();
    const present = new Set(again.map((r) => r.state));
    const toInsert = fresh.filter((row) => !present.has(row.state));
    if (toInsert.length > 0) await trx.insertInto('signing_keys').values(toInsert).execute();
  });
}

/**
 * The tenant's key set for oidc-provider's `jwks` option: the active key first (the one that signs), then `next` and
 * retired keys marked verify-only (RFC 7517 4.3 key_ops), so the provider publishes them but never signs with them.
 */
export async function loadSigningJwks(
  db: Kysely<Database>,
  tenantId: string,
  now = Date.now(),
): Promise<{ keys: PrivateSigningJwk[] }> {
  const rows = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        eb('state', 'in', ['active', 'next']),
        eb.and([eb('state', '=', 'retired'), eb('retire_until', '>', now)]),
      ]),
    )
    .execute();
  const order: Record<SigningKeyState, number> = { active: 0, next: 1, retired: 2 };
  rows.sort((a, b) => order[a.state] - order[b.state] || Number(b.created_at) - Number(a.created_at));
  const keys = rows.map((row) => {
    const jwk = JSON.parse(row.private_jwk) as PrivateSigningJwk;
    return row.state === 'active' ? jwk : { ...jwk, key_ops: ['verify'] };
  });
  return { keys };
}

export interface RotationResult {
  readonly activeKid: string;
  readonly nextKid: string;
  readonly retiredKid: string | undefined;
}

/**
 * Rotates the tenant's signing key: next -> active, active -> retired (published for maxTokenTtl more), a new next
 * key. Retired keys whose tokens have all expired are deleted. Callers must drop the cached provider afterwards
 * (ProviderRegistry.invalidate), which rotateSigningKey on the registry does.
 */
export async function rotateSigningKeyInStore(
  db: Kysely<Database>,
  tenantId: string,
  options: SigningKeyOptions,
): Promise<RotationResult> {
  const now = (options.now ?? Date.now)();
  await ensureSigningKeys(db, tenantId, now);
  const fresh = await newKeyRow(tenantId, 'next', now);
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('signing_keys')
      .select(['kid', 'state'])
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', ['active', 'next'])
      .execute();
    const active = current.find((r) => r.state === 'active');
    const next = current.find((r) => r.state === 'next');
    if (!active || !next) throw new Error(`signing keys of tenant ${tenantId} changed during rotation; retry`);
    await trx
      .updateTable('signing_keys')
      .set({ state: 'retired', retired_at: now, retire_until: now + options.maxTokenTtlSeconds * 1000 })
      .where('tenant_id', '=', tenantId)
      .where('kid', '=', active.kid)
      .execute();
    await trx
      .updateTable('signing_keys')
      .set({ state: 'active', activated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('kid', '=', next.kid)
      .execute();
    await trx.insertInto('signing_keys').values(fresh).execute();
    await trx
      .deleteFrom('signing_keys')
      .where('tenant_id', '=', tenantId)
      .where('state', '=', 'retired')
      .where('retire_until', '<=', now)
      .execute();
    return { activeKid: next.kid, nextKid: fresh.kid, retiredKid: active.kid };
  });
}
