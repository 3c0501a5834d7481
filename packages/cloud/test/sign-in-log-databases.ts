/**
 * Runs a suite against both stores the cloud supports: SQLite (in memory) and PostgreSQL (the local server at
 * 127.0.0.1:5432 with trust auth, database `test`, override with OPENPTA_TEST_POSTGRES_URL), in a unique schema that
 * is dropped afterwards. Not skipped when PostgreSQL is missing: the SQL must keep running there.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Store } from '../src/store/index.ts';

const ADMIN_URL = process.env.OPENPTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  store: Store;
  /** Inserts a tenant and returns its id. */
  tenant(name?: string): Promise<string>;
  /** Inserts a user of the tenant and returns its id. */
  user(tenantId: string, upn?: string): Promise<string>;
  /**
   * A second connection to the same database, as another cloud node would have (PostgreSQL: its own pool; SQLite in
   * memory: the same store). Closed with the suite.
   */
  secondConnection(): Store;
}

interface Opened {
  store: Store;
  url?: string;
  cleanup: () => Promise<void>;
}

async function openPostgres(): Promise<Opened> {
  const schema = `openpta_protection_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  // libpq `options`: every pooled connection starts with this schema first on its search path.
  url.searchParams.set('options', `-c search_path=${schema}`);
  const store = openDatabase(url.toString());
  return {
    store,
    url: url.toString(),
    cleanup: async () => {
      await store.close();
      const dropper = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
      await dropper.connect();
      try {
        await dropper.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export function onEveryDatabase(title: string, suite: (db: () => TestDatabase) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${title} (${dialect})`, () => {
      let opened: Opened | undefined;
      const extra: Store[] = [];
      let current: TestDatabase | undefined;
      before(async () => {
        if (dialect === 'sqlite') {
          const store = openDatabase('sqlite::memory:');
          opened = { store, cleanup: () => store.close() };
        } else {
          opened = await openPostgres();
        }
        await migrateToLatest(opened.store);
        const store = opened.store;
        const url = opened.url;
        current = {
          store,
          secondConnection() {
            if (!url) return store;
            const another = openDatabase(url);
            extra.push(another);
            return another;
          },
          async tenant(name = `t-${randomBytes(4).toString('hex')}`) {
            const id = randomUUID();
            const now = Date.now();
            await store.db
              .insertInto('tenants')
              .values({ id, name, display_name: name, settings: '{}', created_at: now, updated_at: now })
              .execute();
            return id;
          },
          async user(tenantId, upn = `u-${randomBytes(4).toString('hex')}@example.test`) {
            const id = randomUUID();
            const now = Date.now();
            await store.db
              .insertInto('users')
              .values({
                id,
                tenant_id: tenantId,
                object_guid: randomUUID(),
                upn,
                attributes: '{}',
                created_at: now,
                updated_at: now,
                last_sign_in_at: now,
              })
              .execute();
            return id;
          },
        };
      });
      after(async () => {
        for (const another of extra) await another.close();
        await opened?.cleanup();
      });
      suite(() => {
        if (!current) throw new Error('database not opened');
        return current;
      });
    });
  }
}
