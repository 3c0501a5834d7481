/**
 * Runs the shared bind table (directory-cases.ts) against any directory with ldapts, the client the agent uses.
 * The Samba test bed and the trial directory both run this same function, so the trial directory is held to what
 * Active Directory actually answers.
 */
import type { ConnectionOptions } from 'node:tls';
import { AndFilter, Client, EqualityFilter, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import {
  BIND_CASES,
  type BindCase,
  type DirectoryUserKey,
  TOKEN_CASES,
  type TokenCase,
  type TokenSid,
} from './directory-cases.ts';

export interface BindTarget {
  /** ldaps://host:636, or ldap://host:389 with startTls. */
  readonly url: string;
  readonly tlsOptions: ConnectionOptions;
  readonly startTls?: boolean;
  readonly users: Readonly<Record<DirectoryUserKey, { readonly upn: string; readonly password: string }>>;
  readonly unknownUpn: string;
  readonly wrongPassword: string;
  /** Per operation (connect, StartTLS, bind); default 10 s. */
  readonly timeoutMs?: number;
}

/** What one simple bind gave: success, 49 with its AD sub-code, or any other LDAP result / error. */
export type BindObservation =
  | { readonly result: 'success' }
  | { readonly result: 'invalidCredentials'; readonly data: string | undefined; readonly message: string }
  | { readonly result: 'other'; readonly code: number | undefined; readonly message: string };

/** AD puts the reason for a failed bind after `data ` in the diagnostic message, e.g. `..., data 52e, v1db1`. */
export function adSubCode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(message)?.[1]?.toLowerCase();
}

/** One simple bind on a fresh connection (StartTLS first when the target asks for it). */
export async function bindOnce(
  target: Pick<BindTarget, 'url' | 'tlsOptions' | 'startTls' | 'timeoutMs'>,
  name: string,
  password: string,
): Promise<BindObservation> {
  const client = newClient(target);
  try {
    await startTlsIfAsked(client, target);
    await client.bind(name, password);
    return { result: 'success' };
  } catch (error) {
    if (error instanceof InvalidCredentialsError) {
      return { result: 'invalidCredentials', data: adSubCode(error.message), message: error.message };
    }
    if (error instanceof ResultCodeError) return { result: 'other', code: error.code, message: error.message };
    return { result: 'other', code: undefined, message: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** A client for the target; call startTlsIfAsked() before anything else. */
function newClient(target: Pick<BindTarget, 'url' | 'tlsOptions' | 'startTls' | 'timeoutMs'>): Client {
  const timeout = target.timeoutMs ?? 10_000;
  // ldapts goes TLS from the first byte whenever tlsOptions are given, even for ldap://: for StartTLS pass them
  // only to startTLS().
  return new Client({
    url: target.url,
    ...(target.startTls === true ? {} : { tlsOptions: { ...target.tlsOptions } }),
    timeout,
    connectTimeout: timeout,
  });
}

/**
 * ldapts' startTLS() stores the plain socket in the options object it is given (options.socket), so the target's
 * shared tlsOptions must never be passed as such: a later LDAPS client given the same object would try to reuse
 * that closed socket and time out. Hence the copies here and in newClient().
 */
async function startTlsIfAsked(client: Client, target: Pick<BindTarget, 'tlsOptions' | 'startTls'>): Promise<void> {
  if (target.startTls === true) await client.startTLS({ ...target.tlsOptions });
}

/** Returns undefined when the observation matches the case, else a sentence saying what differed. */
export function checkBindCase(c: BindCase, observed: BindObservation): string | undefined {
  if (c.expect.result === 'success') {
    return observed.result === 'success' ? undefined : `${c.name}: expected success, got ${JSON.stringify(observed)}`;
  }
  if (observed.result !== 'invalidCredentials') {
    return `${c.name}: expected invalidCredentials, got ${JSON.stringify(observed)}`;
  }
  if (observed.data === undefined || !c.expect.data.includes(observed.data)) {
    return `${c.name}: expected data ${c.expect.data.join(' or ')}, got ${observed.data} (${observed.message})`;
  }
  return undefined;
}

function credentialsFor(target: BindTarget, c: BindCase): { name: string; password: string } {
  const u = c.user === 'unknown' ? undefined : target.users[c.user];
  const name = u?.upn ?? target.unknownUpn;
  // The unknown user has no password of its own: any non-empty one will do.
  const right = u?.password ?? target.wrongPassword;
  const password = c.password === 'right' ? right : c.password === 'wrong' ? target.wrongPassword : '';
  return { name, password };
}

export interface BindCaseResult {
  readonly case: BindCase;
  readonly observed: BindObservation;
  /** undefined when the directory answered as AD does. */
  readonly mismatch: string | undefined;
}

/** Runs one case. Cases are independent of order except that wrong binds raise badPwdCount (AD resets it on success). */
export async function runBindCase(target: BindTarget, c: BindCase): Promise<BindCaseResult> {
  const { name, password } = credentialsFor(target, c);
  const observed = await bindOnce(target, name, password);
  return { case: c, observed, mismatch: checkBindCase(c, observed) };
}

/** Runs the whole table one case at a time; callers assert `mismatch === undefined` per case. */
export async function runBindCases(
  target: BindTarget,
  cases: readonly BindCase[] = BIND_CASES,
): Promise<BindCaseResult[]> {
  const results: BindCaseResult[] = [];
  for (const c of cases) results.push(await runBindCase(target, c));
  return results;
}

/** A bind target plus the base DN, where the shared users and groups are looked up (with the service account). */
export interface TokenTarget extends BindTarget {
  readonly baseDn: string;
}

export interface TokenCaseResult {
  readonly case: TokenCase;
  /** The tokenGroups SIDs in string form, in the order given; undefined when the entry had none. */
  readonly observed: readonly string[] | undefined;
  /** undefined when the directory answered as AD does. */
  readonly mismatch: string | undefined;
}

/** S-1-5-21-... from a binary SID (MS-DTYP 2.4.2.2); undefined when the bytes are not one. */
export function sidString(bytes: Buffer): string | undefined {
  if (bytes.length < 8 || bytes.length !== 8 + 4 * (bytes[1] ?? 0)) return undefined;
  const subs: number[] = [];
  for (let offset = 8; offset < bytes.length; offset += 4) subs.push(bytes.readUInt32LE(offset));
  return `S-${bytes[0]}-${bytes.readUIntBE(2, 6)}${subs.map((s) => `-${s}`).join('')}`;
}

/**
 * Runs one root DSE tokenGroups case: names the expected SIDs by reading objectSid (of the domain, the subject and
 * the groups) as the service account, checks on the way that an objectSid equality filter finds the subject in the
 * binary and in the string form, then reads the root DSE as the subject.
 */
export async function runTokenCase(target: TokenTarget, c: TokenCase): Promise<TokenCaseResult> {
  const subject = c.subject === 'anonymousBind' || c.subject === 'notBound' ? undefined : target.users[c.subject];
  const names = await resolveSids(target, c, subject?.upn);
  if (typeof names === 'string') return { case: c, observed: undefined, mismatch: `${c.name}: ${names}` };
  const client = newClient(target);
  let observed: string[] | undefined;
  try {
    await startTlsIfAsked(client, target);
    if (subject) await client.bind(subject.upn, subject.password);
    else if (c.subject === 'anonymousBind') await client.bind('', '');
    const { searchEntries } = await client.search('', {
      scope: 'base',
      attributes: [...c.attributes],
      explicitBufferAttributes: ['tokenGroups'],
    });
    const entry: Record<string, unknown> = searchEntries[0] ?? {};
    const key = Object.keys(entry).find((k) => k.toLowerCase() === 'tokengroups');
    const raw = key === undefined ? undefined : entry[key];
    // ldapts gives an attribute it asked for by name as [] when the entry does not have it.
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    observed =
      values.length === 0 ? undefined : values.map((v) => (Buffer.isBuffer(v) ? (sidString(v) ?? 'bad SID') : 'text'));
  } finally {
    await client.unbind().catch(() => undefined);
  }
  return { case: c, observed, mismatch: checkTokenCase(c, observed, names) };
}

export async function runTokenCases(
  target: TokenTarget,
  cases: readonly TokenCase[] = TOKEN_CASES,
): Promise<TokenCaseResult[]> {
  const results: TokenCaseResult[] = [];
  for (const c of cases) results.push(await runTokenCase(target, c));
  return results;
}

function checkTokenCase(
  c: TokenCase,
  observed: readonly string[] | undefined,
  name: (sid: TokenSid) => string,
): string | undefined {
  if (c.expect === 'absent') {
    return observed === undefined ? undefined : `${c.name}: expected no tokenGroups, got ${observed.join(' ')}`;
  }
  const first = c.expect.first.map(name);
  const rest = c.expect.rest.map(name).sort();
  const got = observed ?? [];
  const same =
    first.every((sid, i) => got[i] === sid) &&
    got.length === first.length + rest.length &&
    got.slice(first.length).sort().join(' ') === rest.join(' ');
  if (same) return undefined;
  return `${c.name}: expected ${first.join(' ')} then {${rest.join(' ')}}, got ${observed?.join(' ') ?? 'no tokenGroups'}`;
}

/** The string SID each TokenSid of the case stands for, or a sentence saying what could not be found. */
async function resolveSids(
  target: TokenTarget,
  c: TokenCase,
  subjectUpn: string | undefined,
): Promise<((sid: TokenSid) => string) | string> {
  const service = newClient(target);
  try {
    await startTlsIfAsked(service, target);
    await service.bind(target.users.service.upn, target.users.service.password);
    const objectSid = async (base: string, scope: 'base' | 'sub', filter?: AndFilter | EqualityFilter) => {
      const { searchEntries } = await service.search(base, {
        scope,
        ...(filter ? { filter } : {}),
        attributes: ['objectSid'],
        explicitBufferAttributes: ['objectSid'],
      });
      const value = searchEntries.length === 1 ? searchEntries[0]?.objectSid : undefined;
      const sid = Buffer.isBuffer(value) ? sidString(value) : undefined;
      return sid === undefined ? undefined : { sid, bytes: value as Buffer, dn: searchEntries[0]?.dn ?? '' };
    };
    const domain = await objectSid(target.baseDn, 'base');
    if (!domain) return `the domain ${target.baseDn} has no objectSid`;
    let self: string | undefined;
    if (subjectUpn !== undefined) {
      const found = await objectSid(
        target.baseDn,
        'sub',
        new EqualityFilter({ attribute: 'userPrincipalName', value: subjectUpn }),
      );
      if (!found) return `no objectSid on the entry of ${subjectUpn}`;
      for (const value of [found.bytes, found.sid]) {
        const bySid = await service.search(target.baseDn, {
          scope: 'sub',
          filter: new EqualityFilter({ attribute: 'objectSid', value }),
          attributes: ['1.1'],
        });
        const dns = bySid.searchEntries.map((e) => e.dn);
        if (dns.length !== 1 || dns[0] !== found.dn) {
          return `(objectSid=${found.sid}) as ${typeof value === 'string' ? 'text' : 'bytes'} found ${dns.join('; ') || 'nothing'}, not ${found.dn}`;
        }
      }
      self = found.sid;
    }
    const groups = new Map<string, string>();
    const expected = c.expect === 'absent' ? [] : [...c.expect.first, ...c.expect.rest];
    for (const sid of expected) {
      if (!('group' in sid) || groups.has(sid.group)) continue;
      const filter = new AndFilter({
        filters: [
          new EqualityFilter({ attribute: 'objectClass', value: 'group' }),
          new EqualityFilter({ attribute: 'cn', value: sid.group }),
        ],
      });
      const found = await objectSid(target.baseDn, 'sub', filter);
      if (!found) return `no objectSid on the group ${sid.group}`;
      groups.set(sid.group, found.sid);
    }
    return (sid) => {
      if ('self' in sid) return self ?? 'no subject';
      if ('domainRid' in sid) return `${domain.sid}-${sid.domainRid}`;
      if ('group' in sid) return groups.get(sid.group) ?? `no group ${sid.group}`;
      return sid.wellKnown;
    };
  } finally {
    await service.unbind().catch(() => undefined);
  }
}
