import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAdminToken } from '../admin/admin-auth.ts';
import { ADMIN_API_PREFIX } from '../admin/admin-routes.ts';
import { recordAudit } from '../admin/audit.ts';
import type { CloudContext, CloudPlugin } from '../context.ts';
import { CloudError, notFound } from '../errors.ts';
import { MfaService } from '../mfa/mfa-service.ts';
import { resetUserMfa } from '../mfa/reset.ts';
import { type signInLogRetentionConfigSchema, startSignInLogRetention } from '../sign-in-log/retention.ts';
import { SignInLogStore } from '../sign-in-log/sign-in-log-store.ts';
import type { Tenant } from '../tenants/tenant-service.ts';
import { formatDurationSeconds } from './duration.ts';
import { ProtectionError } from './errors.ts';
import {
  formatMfaPolicy,
  mergeProtectionSettings,
  type ProtectionSettings,
  parseMfaPolicyFlag,
  protectionSettingsFromTenant,
} from './settings.ts';
import type { SmartLockout } from './smart-lockout.ts';
import type { SqlLockoutStore } from './sql-lockout-store.ts';

/**
 * Admin API for sign-in protection and audit, under the admin prefix and the same bearer token as the platform's
 * admin routes:
 *   GET  /tenants/:name/protection                 effective settings (defaults filled in)
 *   POST /tenants/:name/protection                 partial update: { lockout: {...}, mfa: "off"|"required"|"groups:A,B"|{mode,...} }
 *   GET  /tenants/:name/sign-ins?user&outcome&since&limit&cursor   the sign-in log, newest first
 *   POST /tenants/:name/users/:user/reset-mfa      { reason? }   removes every second factor (audited)
 *   GET  /tenants/:name/users/:user/mfa            the user's second factors (no secrets)
 *   GET  /tenants/:name/users/:user/lockout        smart-lockout counters of a sign-in name, familiar networks
 *   POST /tenants/:name/users/:user/unlock         clears the smart-lockout counters (when a lockout is wired)
 * `:user` is the user id or the UPN.
 */
export function protectionAdminPlugin(deps: ProtectionPluginDeps = {}): CloudPlugin {
  return {
    name: 'protection-admin',
    register: async (app, ctx) => {
      deps.lockout?.attachMetrics(ctx.metrics.registry);
      await registerRoutes(app, ctx, deps);
      startRetention(app, ctx, deps);
    },
  };
}

export interface ProtectionPluginDeps {
  /** The SmartLockout the sign-in flow uses (for unlock). */
  lockout?: SmartLockout;
  /** Sign-in log retention (default 30 days, purged hourly); `false` turns the purge job off. */
  signInLogRetention?: z.input<typeof signInLogRetentionConfigSchema> | false;
  /** When the lockout uses the database store: its expired rows are swept on the same schedule as the log purge. */
  sqlLockoutStore?: SqlLockoutStore;
}

/** The periodic purge of old sign-in log records, stopped when the app closes (before the database). */
function startRetention(app: FastifyInstance, ctx: CloudContext, deps: ProtectionPluginDeps): void {
  if (deps.signInLogRetention === false) return;
  const lockoutStore = deps.sqlLockoutStore;
  const job = startSignInLogRetention({
    store: new SignInLogStore(ctx.store.db),
    config: deps.signInLogRetention ?? {},
    onPurge: (result) => {
      if ('error' in result) ctx.logger.error({ err: result.error }, 'sign-in log purge failed; will retry');
      else if (result.deleted > 0) ctx.logger.info({ deleted: result.deleted }, 'sign-in log purged');
      lockoutStore
        ?.sweepExpired()
        .catch((err: unknown) => ctx.logger.error({ err }, 'lockout state sweep failed; will retry'));
    },
  });
  app.addHook('onClose', async () => job.close());
}

const nameParams = z.object({ name: z.string().min(1).max(200) });
const userParams = nameParams.extend({ user: z.string().min(1).max(1024) });
const lockoutUpdate = z
  .strictObject({
    threshold: z.number().int().optional(),
    durationSeconds: z.union([z.number().int(), z.string()]).optional(),
    maxDurationSeconds: z.union([z.number().int(), z.string()]).optional(),
    growthFactor: z.number().optional(),
    observationWindowSeconds: z.union([z.number().int(), z.string()]).optional(),
    levelResetSeconds: z.union([z.number().int(), z.string()]).optional(),
  })
  .optional();
const settingsUpdate = z.strictObject({ lockout: lockoutUpdate, mfa: z.union([z.string(), z.object({})]).optional() });
const signInsQuery = z.strictObject({
  user: z.string().optional(),
  outcome: z.string().optional(),
  since: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
});
const resetBody = z.strictObject({ reason: z.string().max(500).optional() }).default({});

export function protectionView(settings: ProtectionSettings) {
  return {
    ...settings,
    summary: {
      lockoutThreshold: settings.lockout.threshold,
      lockoutDuration: formatDurationSeconds(settings.lockout.durationSeconds),
      lockoutMaxDuration: formatDurationSeconds(settings.lockout.maxDurationSeconds),
      mfa: formatMfaPolicy(settings.mfa),
    },
  };
}

async function registerRoutes(app: FastifyInstance, ctx: CloudContext, deps: ProtectionPluginDeps) {
  const db = ctx.store.db;
  const { tenants, users } = ctx.services;
  const signIns = new SignInLogStore(db);

  app.addHook('onRequest', requireAdminToken(db));

  const tenantOf = async (request: FastifyRequest): Promise<Tenant> =>
    tenants.requireByName(nameParams.parse(request.params).name);

  const userOf = async (tenant: Tenant, ref: string) => {
    const byId = await users.getById(tenant.id, ref);
    if (byId) return byId;
    const lower = ref.toLowerCase();
    const match = (await users.list(tenant.id)).find((u) => u.upn?.toLowerCase() === lower);
    if (!match) throw notFound(`user ${ref} of tenant ${tenant.name}`);
    return match;
  };

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/protection`, async (request) => {
    const tenant = await tenantOf(request);
    return { tenant: tenant.name, protection: protectionView(protectionSettingsFromTenant(tenant.settings)) };
  });

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/protection`, async (request) => {
    const tenant = await tenantOf(request);
    const update = settingsUpdate.parse(request.body ?? {});
    const next = asClientError(() =>
      mergeProtectionSettings(protectionSettingsFromTenant(tenant.settings), {
        ...(update.lockout ? { lockout: update.lockout } : {}),
        ...(update.mfa !== undefined
          ? { mfa: typeof update.mfa === 'string' ? parseMfaPolicyFlag(update.mfa) : update.mfa }
          : {}),
      }),
    );
    await tenants.updateSettings(tenant.name, { ...tenant.settings, protection: next });
    await recordAudit(db, {
      actor: request.adminActor ?? 'unknown',
      action: 'tenant.protection.update',
      target: `tenant:${tenant.name}`,
      details: { protection: next },
    });
    return { tenant: tenant.name, protection: protectionView(next) };
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/sign-ins`, async (request) => {
    const tenant = await tenantOf(request);
    const q = signInsQuery.parse(request.query);
    const since = q.since === undefined ? undefined : parseSince(q.since, Date.now());
    const page = await asClientErrorAsync(() =>
      signIns.query({
        tenantId: tenant.id,
        limit: q.limit,
        ...(q.user ? { user: q.user } : {}),
        ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      }),
    );
    return {
      tenant: tenant.name,
      signIns: page.records.map((r) => ({ ...r, time: new Date(r.time).toISOString() })),
      nextCursor: page.nextCursor,
    };
  });

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/users/:user/reset-mfa`, async (request) => {
    const { user: ref } = userParams.parse(request.params);
    const tenant = await tenantOf(request);
    const user = await userOf(tenant, ref);
    const { reason } = resetBody.parse(request.body ?? {});
    const removed = await resetUserMfa(db, {
      tenantId: tenant.id,
      userId: user.id,
      actor: request.adminActor ?? 'unknown',
      reason,
    });
    return { tenant: tenant.name, userId: user.id, upn: user.upn, removed };
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/users/:user/mfa`, async (request) => {
    const { user: ref } = userParams.parse(request.params);
    const tenant = await tenantOf(request);
    const user = await userOf(tenant, ref);
    const status = await new MfaService({ db }).status({ tenantId: tenant.id, userId: user.id });
    return {
      tenant: tenant.name,
      userId: user.id,
      upn: user.upn,
      ...status,
      webauthn: status.webauthn.map((k) => ({
        ...k,
        createdAt: new Date(k.createdAt).toISOString(),
        lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt).toISOString(),
      })),
    };
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/users/:user/lockout`, async (request) => {
    const { user: ref } = userParams.parse(request.params);
    const tenant = await tenantOf(request);
    if (!deps.lockout) throw new CloudError('not_ready', 'smart lockout is not running in this process');
    const status = await deps.lockout.status({ tenantId: tenant.id, username: ref });
    const counters = Object.fromEntries(
      Object.entries(status.counters).map(([name, c]) => [
        name,
        { ...c, lockedUntil: c.lockedUntil ? c.lockedUntil.toISOString() : null },
      ]),
    );
    return { tenant: tenant.name, username: ref, counters, familiarNetworks: status.familiarNetworks };
  });

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/users/:user/unlock`, async (request) => {
    const { user: ref } = userParams.parse(request.params);
    const tenant = await tenantOf(request);
    if (!deps.lockout) throw new CloudError('not_ready', 'smart lockout is not running in this process');
    await deps.lockout.unlock({ tenantId: tenant.id, username: ref });
    await recordAudit(db, {
      actor: request.adminActor ?? 'unknown',
      action: 'user.lockout.unlock',
      target: `tenant:${tenant.name}`,
      details: { username: ref },
    });
    return { tenant: tenant.name, username: ref, unlocked: true };
  });
}

/**
 * `since` as an ISO 8601 time (2026-11-25T12:00:00Z) or a look-back such as 15m, 24h, 7d (from now).
 * Exported for the CLI, which sends what the operator typed.
 */
export function parseSince(text: string, now: number): number {
  const back = /^(\d{1,9})([smhd])$/i.exec(text.trim());
  if (back) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[back[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd'];
    return now - Number(back[1]) * unit * 1000;
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new CloudError('invalid_request', `invalid since "${text}": use an ISO time or a look-back like 24h or 7d`);
  }
  return time;
}

function toCloudError(error: unknown): unknown {
  if (error instanceof ProtectionError && error.expose) {
    const code = error.status === 404 ? 'not_found' : error.status === 409 ? 'conflict' : 'invalid_request';
    return new CloudError(code, error.message, { code: error.code });
  }
  return error;
}

function asClientError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toCloudError(error);
  }
}

async function asClientErrorAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toCloudError(error);
  }
}
