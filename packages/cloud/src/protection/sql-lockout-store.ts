import { hkdfSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { LockoutStore } from './lockout-store.ts';

/**
 * Smart-lockout state in the cloud database (table lockout_state), shared by every cloud node and kept across
 * restarts. Each update is one transaction: on PostgreSQL the row is created if missing and then locked with
 * SELECT ... FOR UPDATE, so parallel wrong passwords on two nodes are never lost updates; SQLite has one writer.
 * Expired rows are invisible to reads and removed by sweepExpired() (call it periodically).
 *
 * A shared store needs a shared key for the wrong-password digests: use lockoutDigestKey(dataKey).
 */
export class SqlLockoutStore implements LockoutStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: 'sqlite' | 'postgres';
  readonly #now: () => number;

  constructor(options: { db: Kysely<Database>; dialect: 'sqlite' | 'postgres'; now?: () => number }) {
    this.#db = options.db;
    this.#dialect = options.dialect;
    this.#now = options.now ?? Date.now;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.#db
      .selectFrom('lockout_state')
      .select('value')
      .where('key', '=', key)
      .where('expires_at', '>', this.#now())
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async update<T>(key: string, ttlMs: number, mutate: (current: T | undefined) => T | undefined) {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#now();
      // A placeholder row (already expired) gives PostgreSQL something to lock when the key is new.
      await trx
        .insertInto('lockout_state')
        .values({ key, value: 'null', expires_at: 0 })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      let select = trx.selectFrom('lockout_state').select(['value', 'expires_at']).where('key', '=', key);
      if (this.#dialect === 'postgres') select = select.forUpdate();
      const row = await select.executeTakeFirst();
      const current = row && Number(row.expires_at) > now ? (JSON.parse(row.value) as T) : undefined;
      const next = mutate(current);
      if (next === undefined) {
        await trx.deleteFrom('lockout_state').where('key', '=', key).execute();
      } else {
        await trx
          .updateTable('lockout_state')
          .set({ value: JSON.stringify(next), expires_at: now + ttlMs })
          .where('key', '=', key)
          .execute();
      }
      return next;
    });
  }

  async delete(key: string): Promise<void> {
    await this.#db.deleteFrom('lockout_state').where('key', '=', key).execute();
  }

  /** Deletes expired rows (in batches); returns how many. */
  async sweepExpired(batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.#now();
      const result = await this.#db
        .deleteFrom('lockout_state')
        .where('key', 'in', (eb) =>
          eb.selectFrom('lockout_state').select('key').where('expires_at', '<=', now).limit(batchSize),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /** The database belongs to the app: nothing to close here. */
  async close(): Promise<void> {}
}

/** The wrong-password digest key shared by all nodes, derived from the data key (HKDF-SHA256, RFC 5869). */
export function lockoutDigestKey(dataKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'openpta lockout digest v1', 32));
}
