import { z } from 'zod';
import { parseDurationSeconds } from './duration.ts';
import { ProtectionError } from './errors.ts';

/**
 * The per-tenant sign-in protection settings, stored under the `protection` key of the tenant's settings JSON.
 * Every field has a default, so an empty object (or a tenant created before this module) is valid.
 *
 * Defaults (docs/PROTECTION.md explains them): lock after 5 counted failures for 60 s, doubling on each repeated
 * lockout up to 1 h; failures older than 1 h are forgotten. Set the threshold BELOW the Active Directory lockout
 * threshold and the duration LONGER than AD's "reset account lockout counter after", as Microsoft advises for Entra
 * smart lockout with pass-through authentication, so the cloud stops an attacker before AD locks the real account.
 */
export const DEFAULT_LOCKOUT = {
  threshold: 5,
  durationSeconds: 60,
  maxDurationSeconds: 3600,
  growthFactor: 2,
  observationWindowSeconds: 3600,
  // A lockout level (how many times the duration has grown) falls back to 0 after this long without a lockout.
  levelResetSeconds: 86_400,
} as const;

const durationField = z.union([z.number().int(), z.string()]).transform((value, ctx) => {
  try {
    return parseDurationSeconds(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

export const lockoutSettingsSchema = z
  .strictObject({
    threshold: z.number().int().min(1).max(1000).default(DEFAULT_LOCKOUT.threshold),
    durationSeconds: durationField.default(DEFAULT_LOCKOUT.durationSeconds),
    maxDurationSeconds: durationField.default(DEFAULT_LOCKOUT.maxDurationSeconds),
    growthFactor: z.number().min(1).max(10).default(DEFAULT_LOCKOUT.growthFactor),
    observationWindowSeconds: durationField.default(DEFAULT_LOCKOUT.observationWindowSeconds),
    levelResetSeconds: durationField.default(DEFAULT_LOCKOUT.levelResetSeconds),
  })
  .refine((s) => s.maxDurationSeconds >= s.durationSeconds, {
    message: 'maxDurationSeconds must be at least durationSeconds',
    path: ['maxDurationSeconds'],
  });

export type LockoutSettings = z.output<typeof lockoutSettingsSchema>;

const groupName = z.string().trim().min(1).max(1024);

/** Who must present a second factor: nobody, everybody, or members of any of the listed directory groups. */
export const mfaPolicySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('off') }),
  z.strictObject({ mode: z.literal('required') }),
  z.strictObject({ mode: z.literal('groups'), groups: z.array(groupName).min(1).max(256) }),
]);

export type MfaPolicy = z.output<typeof mfaPolicySchema>;

export const protectionSettingsSchema = z.strictObject({
  lockout: lockoutSettingsSchema.default(() => lockoutSettingsSchema.parse({})),
  mfa: mfaPolicySchema.default({ mode: 'off' }),
});

export type ProtectionSettings = z.output<typeof protectionSettingsSchema>;
export type ProtectionSettingsInput = z.input<typeof protectionSettingsSchema>;

/** Reads the protection settings from a tenant's settings JSON (the whole object; the `protection` key is ours). */
export function protectionSettingsFromTenant(tenantSettings: unknown): ProtectionSettings {
  const raw =
    tenantSettings && typeof tenantSettings === 'object'
      ? (tenantSettings as Record<string, unknown>).protection
      : undefined;
  return parseProtectionSettings(raw ?? {});
}

export function parseProtectionSettings(input: unknown): ProtectionSettings {
  const result = protectionSettingsSchema.safeParse(input);
  if (!result.success) {
    throw new ProtectionError(
      'ERR_PROTECTION_SETTINGS_INVALID',
      `invalid protection settings: ${z.prettifyError(result.error).replaceAll('\n', '; ')}`,
    );
  }
  return result.data;
}

/**
 * Parses the CLI form of an MFA policy: `off`, `required` or `groups:G1,G2` (group names, or DNs whose commas are
 * escaped as `\,`).
 */
export function parseMfaPolicyFlag(flag: string): MfaPolicy {
  const text = flag.trim();
  if (text === 'off' || text === 'required') return { mode: text };
  if (text.startsWith('groups:')) {
    const groups = text
      .slice('groups:'.length)
      .split(/(?<!\\),/)
      .map((group) => group.replaceAll('\\,', ',').trim())
      .filter((group) => group.length > 0);
    const result = mfaPolicySchema.safeParse({ mode: 'groups', groups });
    if (result.success) return result.data;
  }
  throw new ProtectionError(
    'ERR_PROTECTION_SETTINGS_INVALID',
    `invalid MFA policy "${text}": use off, required or groups:G1,G2`,
  );
}

/** The CLI form of an MFA policy, the inverse of parseMfaPolicyFlag. */
export function formatMfaPolicy(policy: MfaPolicy): string {
  return policy.mode === 'groups'
    ? `groups:${policy.groups.map((g) => g.replaceAll(',', '\\,')).join(',')}`
    : policy.mode;
}

/**
 * Merges a partial update (as sent by `openpta admin tenant set` or the admin API) into the current settings and
 * validates the result, so a bad value never reaches the store.
 */
export function mergeProtectionSettings(
  current: ProtectionSettings,
  update: { lockout?: Partial<Record<keyof LockoutSettings, number | string>>; mfa?: unknown },
): ProtectionSettings {
  return parseProtectionSettings({
    lockout: { ...current.lockout, ...(update.lockout ?? {}) },
    mfa: update.mfa ?? current.mfa,
  });
}
