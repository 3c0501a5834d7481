import type { Kysely } from 'kysely';

/**
 * Registration tokens can be revoked by an administrator before they are used (`openpta admin agent-token revoke`):
 * when and by whom. A revoked token never registers an agent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_registration_tokens').addColumn('revoked_at', 'bigint').execute();
  await db.schema.alterTable('agent_registration_tokens').addColumn('revoked_by', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_registration_tokens').dropColumn('revoked_by').execute();
  await db.schema.alterTable('agent_registration_tokens').dropColumn('revoked_at').execute();
}
