/**
 * OIDC storage (oidc engineer): the provider's artefacts (sessions, interactions, codes, tokens, grants) and the
 * per-tenant signing keys. Portable SQL only: runs unchanged on SQLite and PostgreSQL (see store/schema.ts).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oidc_payloads')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    // oidc-provider model name: Session, Interaction, AuthorizationCode, AccessToken, RefreshToken, Grant, ...
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    // Epoch ms; null = no expiry. Rows past it are invisible to find() and removed by the sweep.
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['tenant_id', 'type', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant').on('oidc_payloads').columns(['tenant_id', 'grant_id']).execute();
  await db.schema.createIndex('oidc_payloads_uid').on('oidc_payloads').columns(['tenant_id', 'type', 'uid']).execute();
  await db.schema
    .createIndex('oidc_payloads_user_code')
    .on('oidc_payloads')
    .columns(['tenant_id', 'type', 'user_code'])
    .execute();
  await db.schema.createIndex('oidc_payloads_expires').on('oidc_payloads').column('expires_at').execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    // 'next' (published, not yet signing), 'active' (signs), 'retired' (published until retire_until).
    .addColumn('state', 'text', (c) => c.notNull())
    // Private JWK as JSON. See docs/SIGN-IN.md on protecting the database.
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('retired_at', 'bigint')
    // Epoch ms after which no token signed by this key can still be valid: the key leaves the JWKS then.
    .addColumn('retire_until', 'bigint')
    .addPrimaryKeyConstraint('signing_keys_pk', ['tenant_id', 'kid'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signing_keys').ifExists().execute();
  await db.schema.dropTable('oidc_payloads').ifExists().execute();
}
