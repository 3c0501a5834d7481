/**
 * Security identifiers (MS-DTYP 2.4.2). On the wire a SID is binary: revision (1), sub-authority count (1), the
 * identifier authority (6 bytes, big-endian), then each sub-authority as a 32-bit little-endian number. Its string
 * form is S-1-5-21-a-b-c-RID for domain accounts: the domain's SID followed by the account's relative id.
 */
import { createHash } from 'node:crypto';

/** S-<revision>-<authority>-<sub>... with 1 to 15 sub-authorities (MS-DTYP 2.4.2.1). */
export const SID_PATTERN = /^S-1-\d{1,15}(-\d{1,10}){1,15}$/i;

export function sidToBytes(sid: string): Buffer {
  if (!SID_PATTERN.test(sid)) throw new Error(`not a SID: ${sid}`);
  const [, revision, authority, ...subs] = sid.split('-').map(Number);
  const out = Buffer.alloc(8 + 4 * subs.length);
  out[0] = revision ?? 1;
  out[1] = subs.length;
  out.writeUIntBE(authority ?? 0, 2, 6);
  subs.forEach((sub, i) => {
    if (sub > 0xffff_ffff) throw new Error(`SID sub-authority out of range: ${sid}`);
    out.writeUInt32LE(sub, 8 + 4 * i);
  });
  return out;
}

/** The string form, or undefined when the bytes are not a well-formed SID. */
export function bytesToSid(bytes: Buffer): string | undefined {
  if (bytes.length < 8 || bytes.length !== 8 + 4 * (bytes[1] ?? 0)) return undefined;
  const subs: number[] = [];
  for (let offset = 8; offset < bytes.length; offset += 4) subs.push(bytes.readUInt32LE(offset));
  return `S-${bytes[0]}-${bytes.readUIntBE(2, 6)}${subs.map((s) => `-${s}`).join('')}`;
}

/** The SID in its canonical string form (no leading zeros, upper-case S), or the text itself when it is not a SID. */
export function canonicalSid(text: string): string {
  try {
    return bytesToSid(sidToBytes(text)) ?? text;
  } catch {
    return text;
  }
}

/** Well-known SIDs of every network logon's token, in the order Samba 4.17 lists them after the domain groups. */
export const WELL_KNOWN_SIDS = {
  everyone: 'S-1-1-0',
  network: 'S-1-5-2',
  anonymous: 'S-1-5-7',
  authenticatedUsers: 'S-1-5-11',
  builtinUsers: 'S-1-5-32-545',
  preWindows2000: 'S-1-5-32-554',
} as const;

/** Every user's primary group (primaryGroupID), Domain Users. */
export const DOMAIN_USERS_RID = 513;

/**
 * The domain SID for a base DN: S-1-5-21 and three 32-bit numbers hashed from the DN (AD draws them at random when
 * the domain is created), so the same base DN always gives the same SIDs.
 */
export function domainSidOf(baseDn: string): string {
  const digest = createHash('sha256').update(`openpta-trial-directory:domain-sid:${baseDn.toLowerCase()}`).digest();
  return `S-1-5-21-${digest.readUInt32LE(0)}-${digest.readUInt32LE(4)}-${digest.readUInt32LE(8)}`;
}

// AD hands out RIDs of new accounts from 1000 up (below are the built-in accounts and groups); the RID pool is 30 bits.
const FIRST_RID = 1000;
const RID_SPAN = 2 ** 30 - FIRST_RID;

/**
 * Gives each user and group a SID: an explicit one from the users file, else the domain SID with a RID hashed from
 * the entry's identity (its sAMAccountName or group name), so adding or reordering entries in the file does not
 * change anyone else's SID. Explicit SIDs are reserved first; a hash collision takes the next free RID.
 */
export class SidAllocator {
  readonly domainSid: string;
  readonly #used = new Set<string>();

  constructor(domainSid: string, explicit: Iterable<string>) {
    this.domainSid = domainSid;
    for (const sid of explicit) this.#used.add(canonicalSid(sid));
  }

  sidFor(seed: string, explicit?: string): Buffer {
    if (explicit) return sidToBytes(explicit);
    const digest = createHash('sha256').update(`openpta-trial-directory:rid:${seed}`).digest();
    let rid = FIRST_RID + (digest.readUInt32LE(0) % RID_SPAN);
    while (this.#used.has(`${this.domainSid}-${rid}`)) rid = rid + 1 >= FIRST_RID + RID_SPAN ? FIRST_RID : rid + 1;
    const sid = `${this.domainSid}-${rid}`;
    this.#used.add(sid);
    return sidToBytes(sid);
  }
}
