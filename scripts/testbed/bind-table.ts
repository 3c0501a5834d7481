/**
 * Runs the shared bind table (directory-cases.ts) against any directory with ldapts, the client the agent uses.
 * The Samba test bed and the trial directory both run this same function, so the trial directory is held to what
 * Active Directory actually answers.
 */
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import { BIND_CASES, type BindCase, type DirectoryUserKey } from './directory-cases.ts';

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
  const timeout = target.timeoutMs ?? 10_000;
  const startTls = target.startTls === true;
  // ldapts goes TLS from the first byte whenever tlsOptions are given, even for ldap://: for StartTLS pass them
  // only to startTLS().
  const client = new Client({
    url: target.url,
    ...(startTls ? {} : { tlsOptions: target.tlsOptions }),
    timeout,
    connectTimeout: timeout,
  });
  try {
    if (startTls) await client.startTLS(target.tlsOptions);
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
