/**
 * The users file: who exists in the trial directory, in which account state, in which groups. Validated with zod so
 * a typo fails at start-up with the path of the bad field, never later as a puzzling bind result.
 */
import { z } from 'zod';
import { canonicalSid, SID_PATTERN, sidToBytes } from './sid.ts';

/** Account states, each reproducing one AD bind answer (see /work/shared/reference/active-directory.md). */
export const ACCOUNT_STATES = [
  'normal',
  'disabled', // data 533
  'mustChange', // data 773
  'accountExpired', // data 701
  'locked', // data 775
  'passwordExpired', // data 532
  'logonHours', // data 530
  'workstation', // data 531
] as const;

export type AccountState = (typeof ACCOUNT_STATES)[number];

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = z.string().regex(GUID_PATTERN, 'must be a GUID such as 6f1c5b7e-2b1d-4c8e-9a51-0c2d3e4f5a6b');
const sid = z
  .string()
  .regex(SID_PATTERN, 'must be a SID such as S-1-5-21-1004336348-1177238915-682003330-1104')
  .refine((value) => {
    try {
      sidToBytes(value);
      return true;
    } catch {
      return false;
    }
  }, 'has a SID component out of range');

// AD: sAMAccountName is at most 20 characters and may not contain " / \ [ ] : ; | = , + * ? < > @
const samAccountName = z
  .string()
  .min(1)
  .max(20, 'AD limits sAMAccountName to 20 characters')
  .regex(/^[^"/\\[\]:;|=,+*?<>@\s]+$/, 'must not contain spaces or any of " / \\ [ ] : ; | = , + * ? < > @');

const addressLike = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must look like name@domain.tld');
const text = z.string().min(1).max(256);

export const userSchema = z.strictObject({
  sAMAccountName: samAccountName,
  /** Defaults to sAMAccountName@<DNS domain>. */
  userPrincipalName: addressLike.optional(),
  mail: addressLike.optional(),
  displayName: text,
  /** The RDN value of the entry (CN=...). Defaults to displayName, as AD's user creation tools do. */
  cn: text.optional(),
  givenName: text.optional(),
  sn: text.optional(),
  /** Names of the groups the user is a direct member of. */
  groups: z.array(text).default([]),
  /** Defaults to a GUID derived from sAMAccountName, so the demo's ids are stable across restarts. */
  objectGUID: guid.optional(),
  /** Defaults to the domain SID (derived from the base DN) with a RID derived from sAMAccountName. */
  objectSid: sid.optional(),
  password: z.string().min(1).max(256),
  // 'enabled' is accepted as a synonym of 'normal' (the AD test bed's name for it).
  state: z.preprocess((v) => (v === 'enabled' ? 'normal' : v), z.enum(ACCOUNT_STATES)).default('normal'),
});

export const groupSchema = z.strictObject({
  name: text,
  description: text.optional(),
  /** Names of the groups this group is a direct member of (nested groups). */
  groups: z.array(text).default([]),
  objectGUID: guid.optional(),
  objectSid: sid.optional(),
});

export const usersFileSchema = z
  .strictObject({
    users: z.array(userSchema).min(1, 'the directory needs at least one user'),
    /** Groups referenced only from users[].groups are created automatically; declare them here to nest them. */
    groups: z.array(groupSchema).default([]),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, string>();
    const claim = (key: string, path: (string | number)[], what: string) => {
      const prior = seen.get(key.toLowerCase());
      if (prior) ctx.addIssue({ code: 'custom', path, message: `duplicate ${what} (already used by ${prior})` });
      else seen.set(key.toLowerCase(), path.join('.'));
    };
    file.users.forEach((u, i) => {
      claim(`sam:${u.sAMAccountName}`, ['users', i, 'sAMAccountName'], 'sAMAccountName');
      if (u.userPrincipalName)
        claim(`upn:${u.userPrincipalName}`, ['users', i, 'userPrincipalName'], 'userPrincipalName');
      claim(`cn:${u.cn ?? u.displayName}`, ['users', i, u.cn ? 'cn' : 'displayName'], 'CN (cn or displayName)');
      if (u.objectSid) claim(`sid:${canonicalSid(u.objectSid)}`, ['users', i, 'objectSid'], 'objectSid');
    });
    file.groups.forEach((g, i) => {
      claim(`cn:${g.name}`, ['groups', i, 'name'], 'group name or user CN');
      if (g.objectSid) claim(`sid:${canonicalSid(g.objectSid)}`, ['groups', i, 'objectSid'], 'objectSid');
    });
  });

export type UserInput = z.output<typeof userSchema>;
export type GroupInput = z.output<typeof groupSchema>;
export type UsersFile = z.output<typeof usersFileSchema>;
/** What callers may pass as `users` (defaults not yet applied). */
export type UsersFileInput = z.input<typeof usersFileSchema>;
