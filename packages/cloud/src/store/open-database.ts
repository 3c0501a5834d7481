import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { StoreError } from './errors.ts';
import type { Database } from './schema.ts';
import { openSqliteFile, wrapNodeSqlite } from './sqlite-driver.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Closes the connection (SQLite) or drains the pool (PostgreSQL). Idempotent. */
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * Opens the database named by `url`: `sqlite:<path>`, `sqlite::memory:` or `postgres://...` / `postgresql://...`.
 * The SQLite file's directory is created if missing. Nothing is queried yet: run migrateToLatest() next.
 */
export function openDatabase(url: string): Store {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new StoreError('invalid_database_url', 'database URL sqlite: needs a file path');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = wrapNodeSqlite(openSqliteFile(path));
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    dialect = 'sqlite';
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 10_000,
      // Timestamps are epoch ms in bigint columns (see schema.ts): read them as numbers, not strings.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
      },
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  } else {
    throw new StoreError(
      'invalid_database_url',
      'database URL must start with sqlite: (e.g. sqlite:/var/lib/openpta/openpta.db) or postgres://',
    );
  }
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect,
    close: () => {
      closing ??= db.destroy();
      return closing;
    },
  };
}
