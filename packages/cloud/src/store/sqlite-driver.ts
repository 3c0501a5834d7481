import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Adapts node:sqlite's DatabaseSync to the better-sqlite3 shape Kysely's SqliteDialect expects. node:sqlite statements
 * have no `reader` flag, and take a leading object as named parameters: every call passes `{}` first so Kysely's
 * positional parameters stay positional (see docs/reference toolchain notes: without it, parameterised queries throw
 * "Unknown named parameter '0'").
 */
export function wrapNodeSqlite(database: DatabaseSync): SqliteDatabase {
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const statement = database.prepare(sql);
      const params = (parameters: ReadonlyArray<unknown>) => parameters.map(toSqliteValue);
      return {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all({}, ...params(parameters)),
        run: (parameters) => statement.run({}, ...params(parameters)),
        iterate: (parameters) => statement.iterate({}, ...params(parameters)),
      };
    },
  };
}

/** Opens a SQLite file (or `:memory:`) with the pragmas the service relies on. */
export function openSqliteFile(path: string): DatabaseSync {
  const database = new DatabaseSync(path, { timeout: 5000 });
  // WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
  if (path !== ':memory:') database.exec('PRAGMA journal_mode = WAL');
  database.exec('PRAGMA foreign_keys = ON');
  return database;
}

function toSqliteValue(value: unknown): SQLInputValue {
  // node:sqlite cannot bind booleans or undefined; the schema stores booleans as 0/1 integers.
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SQLInputValue;
}
