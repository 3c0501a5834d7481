import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../src/store/index.ts';

/**
 * Two deployments (or test suites) in separate schemas of one PostgreSQL database: each must get its own migration
 * bookkeeping. Kysely's Migrator without a pinned schema takes another schema's `kysely_migration_lock` as its own
 * and then fails with "relation kysely_migration_lock does not exist".
 */
const ADMIN_URL = process.env.OPENPTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin(query: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(query);
  } finally {
    await client.end();
  }
}

function storeIn(schema: string) {
  const url = new URL(ADMIN_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return openDatabase(url.toString());
}

test('migrations run in a schema when another schema of the same database already holds Kysely tables', async () => {
  const first = `openpta_a_${randomBytes(5).toString('hex')}`;
  const second = `openpta_b_${randomBytes(5).toString('hex')}`;
  await admin(`create schema ${first}`);
  await admin(`create schema ${second}`);
  const a = storeIn(first);
  const b = storeIn(second);
  try {
    const appliedA = await migrateToLatest(a);
    const appliedB = await migrateToLatest(b);
    assert.ok(appliedA.length > 0);
    assert.deepEqual(appliedB, appliedA);
    const { rows } = await admin(
      `select table_schema from information_schema.tables where table_name = 'kysely_migration_lock' and table_schema in ('${first}', '${second}') order by table_schema`,
    );
    assert.deepEqual(
      rows.map((r) => r.table_schema),
      [first, second],
    );
  } finally {
    await a.close();
    await b.close();
    await admin(`drop schema if exists ${first} cascade`);
    await admin(`drop schema if exists ${second} cascade`);
  }
});
