import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { StoreError } from './errors.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Store } from './open-database.ts';

/** Runs every pending migration; throws a StoreError naming the failed migration (the database is left as it was). */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = await migratorFor(store);
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new StoreError(
      'migration_failed',
      `database migration ${failed?.migrationName ?? ''} failed: ${detail}; check the database URL and permissions`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Rolls every migration back (tests and `down` checks). */
export async function migrateAllDown(store: Store): Promise<void> {
  const migrator = await migratorFor(store);
  for (;;) {
    const { error, results } = await migrator.migrateDown();
    if (error) throw error;
    if (!results || results.length === 0) return;
  }
}

/**
 * On PostgreSQL the migration bookkeeping tables are pinned to the connection's current schema. Without a schema,
 * Kysely's Migrator takes a `kysely_migration_lock` table in ANY schema of the database as its own, so a database
 * shared by several schemas (one per test suite, or per deployment) skips creating its tables and then fails.
 */
async function migratorFor(store: Store): Promise<Migrator> {
  if (store.dialect !== 'postgres') return new Migrator({ db: store.db, provider: migrationProvider });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
  const migrationTableSchema = rows[0]?.schema;
  return new Migrator({
    db: store.db,
    provider: migrationProvider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}
