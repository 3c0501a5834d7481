import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Adapts node:sqlite's DatabaseSync to the better-sqlite3 shape Kysely's SqliteDialect expects. node:sqlite statements
 * have no `reader` flag, and take a leading object as named parameters: every call passes `{}` first so Kysely's
 * positional parameters stay positional (see docs/reference toolchain notes: without it, parameterised queries throw
 * "Unknown named parameter '0'").
 */
export function wrapNodeSqlite(database: DatabaseSync): SqliteDatabase {
  // Kysely prepares every query anew; compiling SQL is a large part of a small query's cost, so the compiled
  // statements are kept (keyed by SQL text, bounded). Safe because DatabaseSync runs one statement at a time; a
  // streaming `iterate` gets its own statement, as two streams of the same SQL may be open at once.
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached) return cached;
      const statement = database.prepare(sql);
      const params = (parameters: ReadonlyArray<unknown>) => parameters.map(toSqliteValue);
      const wrapped: SqliteStatement = {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all({}, ...params(parameters)),
        run: (parameters) => statement.run({}, ...params(parameters)),
        iterate: (parameters) => database.prepare(sql).iterate({}, ...params(parameters)),
      };
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value as string);
      cache.set(sql, wrapped);
      return wrapped;
    },
  };
}

/** Distinct SQL texts kept compiled (the service issues a few hundred; Kysely's IN lists can make more). */
const MAX_CACHED_STATEMENTS = 500;

/** Opens a SQLite file (or `:memory:`) with the pragmas the service relies on. */
export function openSqliteFile(path: string): DatabaseSync {
  const database = new DatabaseSync(path, { timeout: 5000 });
  // WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
  if (path !== ':memory:') database.exec('PRAGMA journal_mode = WAL');
  // With WAL, synchronous=NORMAL syncs at checkpoints instead of every commit: a commit survives a crash of the
  // process (it is in the WAL file), but the last commits may be lost on power loss or an OS crash; the database
  // is never corrupted (https://www.sqlite.org/pragma.html#pragma_synchronous). What the cloud stores (sessions,
  // grants, counters, audit) tolerates that; the measured gain is in docs/PERFORMANCE.md.
  if (path !== ':memory:') database.exec('PRAGMA synchronous = NORMAL');
  database.exec('PRAGMA foreign_keys = ON');
  return database;
}

function toSqliteValue(value: unknown): SQLInputValue {
  // node:sqlite cannot bind booleans or undefined; the schema stores booleans as 0/1 integers.
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SQLInputValue;
}
