import { randomUUID } from 'node:crypto';
import { type DirectoryAttributes, directoryAttributesSchema } from '@openpta/protocol';
import type { Kysely } from 'kysely';
import type { Database, UsersTable } from '../store/schema.ts';
import { isUniqueViolation } from './unique-violation.ts';

/**
 * A user known to the cloud: created or refreshed just in time at a successful sign-in, keyed by (tenant, objectGUID).
 * No password, hash or other credential is ever stored here.
 */
export interface User {
  /** The OIDC `sub`: a random id fixed at first sign-in. Not the UPN (it changes) and not the objectGUID itself. */
  id: string;
  tenantId: string;
  objectGuid: string;
  upn: string | undefined;
  attributes: DirectoryAttributes;
  createdAt: number;
  updatedAt: number;
  lastSignInAt: number;
}

export interface UserService {
  /** Creates or refreshes the user the directory just vouched for; returns the stored user (stable `id`). */
  upsertFromDirectory(tenantId: string, attributes: DirectoryAttributes): Promise<User>;
  getById(tenantId: string, id: string): Promise<User | undefined>;
  getByObjectGuid(tenantId: string, objectGuid: string): Promise<User | undefined>;
  list(tenantId: string): Promise<User[]>;
}

function toUser(row: UsersTable): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    objectGuid: row.object_guid,
    upn: row.upn ?? undefined,
    attributes: directoryAttributesSchema.parse(JSON.parse(row.attributes)),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastSignInAt: Number(row.last_sign_in_at),
  };
}

export function createUserService({ db, now = Date.now }: { db: Kysely<Database>; now?: () => number }): UserService {
  const service: UserService = {
    async upsertFromDirectory(tenantId, raw) {
      // Parsing drops unknown keys, so nothing the directory sent beyond the schema (never a password) is persisted.
      const attributes = directoryAttributesSchema.parse(raw);
      const objectGuid = attributes.objectGuid.toLowerCase();
      const time = now();
      const values = {
        upn: attributes.upn ?? null,
        attributes: JSON.stringify(attributes),
        updated_at: time,
        last_sign_in_at: time,
      };
      const updated = await db
        .updateTable('users')
        .set(values)
        .where('tenant_id', '=', tenantId)
        .where('object_guid', '=', objectGuid)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        try {
          await db
            .insertInto('users')
            .values({ id: randomUUID(), tenant_id: tenantId, object_guid: objectGuid, created_at: time, ...values })
            .execute();
        } catch (error) {
          // Two first sign-ins of the same user raced; the other one created the row: refresh it instead.
          if (!isUniqueViolation(error)) throw error;
          await db
            .updateTable('users')
            .set(values)
            .where('tenant_id', '=', tenantId)
            .where('object_guid', '=', objectGuid)
            .execute();
        }
      }
      return (await service.getByObjectGuid(tenantId, objectGuid))!;
    },

    async getById(tenantId, id) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toUser(row) : undefined;
    },

    async getByObjectGuid(tenantId, objectGuid) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('object_guid', '=', objectGuid.toLowerCase())
        .executeTakeFirst();
      return row ? toUser(row) : undefined;
    },

    async list(tenantId) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .execute();
      return rows.map(toUser);
    },
  };
  return service;
}
