import type { Kysely } from 'kysely';

/**
 * Sign-in protection and audit (protection/, mfa/, sign-in-log/): second factors (TOTP enrolments with the sealed
 * secret and the last accepted time step, hashed single-use recovery codes, WebAuthn credentials) and the sign-in
 * log, and the smart-lockout state for deployments that share it between cloud nodes (the default keeps it in memory).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mfa_totp')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('mfa_recovery_codes_user_hash_uq', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('webauthn_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('webauthn_credentials_user_idx').on('webauthn_credentials').column('user_id').execute();

  await db.schema
    .createTable('sign_in_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('agent_outcome', 'text')
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('dc', 'text')
    .addColumn('queue_ms', 'integer')
    .addColumn('agent_ms', 'integer')
    .addColumn('directory_ms', 'integer')
    .addColumn('total_ms', 'integer')
    .addColumn('mfa_method', 'text')
    .addColumn('correlation_id', 'text', (c) => c.notNull())
    .execute();
  // Queries are per tenant, newest first, paged by (time, id); the purge scans by time.
  await db.schema
    .createIndex('sign_in_log_tenant_time_idx')
    .on('sign_in_log')
    .columns(['tenant_id', 'time', 'id'])
    .execute();
  await db.schema.createIndex('sign_in_log_time_idx').on('sign_in_log').column('time').execute();

  // Smart-lockout state for the shared store (protection/sql-lockout-store.ts): counters, recent wrong-password
  // digests and familiar networks as JSON values, with an expiry. Unused with the default memory store.
  await db.schema
    .createTable('lockout_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('lockout_state_expires_idx').on('lockout_state').column('expires_at').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['lockout_state', 'sign_in_log', 'webauthn_credentials', 'mfa_recovery_codes', 'mfa_totp']) {
    await db.schema.dropTable(table).execute();
  }
}
