import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { conflict, notFound } from '../errors.ts';
import type { Database, TenantsTable } from '../store/schema.ts';
import { issuerFor } from './issuer.ts';
import { isUniqueViolation } from './unique-violation.ts';
import { domainSchema, settingsSchema, tenantNameSchema } from './validation.ts';

export interface Tenant {
  id: string;
  name: string;
  displayName: string;
  /** Verified domains (UPN suffixes), lower-case, sorted. */
  domains: string[];
  settings: Record<string, unknown>;
  issuer: string;
  createdAt: number;
  updatedAt: number;
}

export const createTenantInputSchema = z.object({
  name: tenantNameSchema,
  displayName: z.string().trim().min(1).max(200).optional(),
  domains: z.array(domainSchema).min(1, 'a tenant needs at least one verified domain').max(100),
  settings: settingsSchema.optional(),
});
export type CreateTenantInput = z.input<typeof createTenantInputSchema>;

export interface TenantService {
  /** Validates and creates a tenant; 409 `conflict` when the name or a domain is taken. */
  create(input: CreateTenantInput): Promise<Tenant>;
  list(): Promise<Tenant[]>;
  getById(id: string): Promise<Tenant | undefined>;
  getByName(name: string): Promise<Tenant | undefined>;
  /** Like getByName, but throws a 404 `not_found` CloudError. */
  requireByName(name: string): Promise<Tenant>;
  /** The tenant whose verified domains include `domain` (a UPN suffix), case-insensitively. */
  findByDomain(domain: string): Promise<Tenant | undefined>;
  addDomain(name: string, domain: string): Promise<Tenant>;
  removeDomain(name: string, domain: string): Promise<Tenant>;
  updateSettings(name: string, settings: Record<string, unknown>): Promise<Tenant>;
}

export interface TenantServiceOptions {
  db: Kysely<Database>;
  /** The service's public URL, or a getter (the URL is final only once the server listens on an ephemeral port). */
  publicUrl: string | (() => string);
  now?: () => number;
}

export function createTenantService({ db, publicUrl, now = Date.now }: TenantServiceOptions): TenantService {
  const baseUrl = typeof publicUrl === 'string' ? () => publicUrl : publicUrl;
  async function hydrate(rows: TenantsTable[]): Promise<Tenant[]> {
    if (rows.length === 0) return [];
    const domains = await db
      .selectFrom('tenant_domains')
      .select(['tenant_id', 'domain'])
      .where(
        'tenant_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('domain')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      displayName: row.display_name,
      domains: domains.filter((d) => d.tenant_id === row.id).map((d) => d.domain),
      settings: JSON.parse(row.settings) as Record<string, unknown>,
      issuer: issuerFor(baseUrl(), row),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  async function one(row: TenantsTable | undefined): Promise<Tenant | undefined> {
    return row ? (await hydrate([row]))[0] : undefined;
  }

  const service: TenantService = {
    async create(raw) {
      const input = createTenantInputSchema.parse(raw);
      const domains = [...new Set(input.domains)];
      const time = now();
      const id = randomUUID();
      try {
        await db.transaction().execute(async (trx) => {
          const taken = await trx
            .selectFrom('tenant_domains')
            .select('domain')
            .where('domain', 'in', domains)
            .execute();
          if (taken.length > 0) {
            throw conflict(`domain ${taken.map((t) => t.domain).join(', ')} is already verified by another tenant`, {
              domains: taken.map((t) => t.domain),
            });
          }
          const existing = await trx
            .selectFrom('tenants')
            .select('id')
            .where('name', '=', input.name)
            .executeTakeFirst();
          if (existing) throw conflict(`tenant ${input.name} already exists`);
          await trx
            .insertInto('tenants')
            .values({
              id,
              name: input.name,
              display_name: input.displayName ?? input.name,
              settings: JSON.stringify(input.settings ?? {}),
              created_at: time,
              updated_at: time,
            })
            .execute();
          await trx
            .insertInto('tenant_domains')
            .values(domains.map((domain) => ({ domain, tenant_id: id, created_at: time })))
            .execute();
        });
      } catch (error) {
        // A concurrent create can pass the checks above and lose at the unique constraint.
        if (isUniqueViolation(error)) throw conflict('tenant name or domain already exists');
        throw error;
      }
      return (await service.getById(id))!;
    },

    async list() {
      return hydrate(await db.selectFrom('tenants').selectAll().orderBy('name').execute());
    },

    async getById(id) {
      return one(await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst());
    },

    async getByName(name) {
      return one(await db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst());
    },

    async requireByName(name) {
      const tenant = await service.getByName(name);
      if (!tenant) throw notFound(`tenant ${JSON.stringify(name)}`);
      return tenant;
    },

    async findByDomain(domain) {
      const row = await db
        .selectFrom('tenant_domains')
        .select('tenant_id')
        .where('domain', '=', domain.trim().toLowerCase())
        .executeTakeFirst();
      return row ? service.getById(row.tenant_id) : undefined;
    },

    async addDomain(name, rawDomain) {
      const domain = domainSchema.parse(rawDomain);
      const tenant = await service.requireByName(name);
      try {
        await db.insertInto('tenant_domains').values({ domain, tenant_id: tenant.id, created_at: now() }).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`domain ${domain} is already verified by a tenant`);
        throw error;
      }
      return (await service.getById(tenant.id))!;
    },

    async removeDomain(name, rawDomain) {
      const domain = domainSchema.parse(rawDomain);
      const tenant = await service.requireByName(name);
      const result = await db
        .deleteFrom('tenant_domains')
        .where('tenant_id', '=', tenant.id)
        .where('domain', '=', domain)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound(`domain ${domain} of tenant ${name}`);
      return (await service.getById(tenant.id))!;
    },

    async updateSettings(name, rawSettings) {
      const settings = settingsSchema.parse(rawSettings);
      const tenant = await service.requireByName(name);
      await db
        .updateTable('tenants')
        .set({ settings: JSON.stringify(settings), updated_at: now() })
        .where('id', '=', tenant.id)
        .execute();
      return (await service.getById(tenant.id))!;
    },
  };
  return service;
}
