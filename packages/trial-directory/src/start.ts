/**
 * startTrialDirectory(): a small LDAPv3 server that answers like Active Directory, for `openpta demo` and tests.
 * It is NOT a directory for production: passwords live in memory in clear, and it says so loudly at start.
 */

import type { Logger } from 'pino';
import { pino } from 'pino';
import { loadUsersFile, parseUsers } from './directory/load-users.ts';
import { Directory, dnsDomainOf } from './directory/model.ts';
import { domainSidOf } from './directory/sid.ts';
import { TrialDirectoryError } from './errors.ts';
import type { TrialDirectoryOptions } from './options.ts';
import { optionsSchema, resolvePasswordPolicy } from './options.ts';
import type { Faults } from './server/faults.ts';
import { createFaults, initialFaultState } from './server/faults.ts';
import { Listeners } from './server/listeners.ts';
import { generateSelfSignedTls } from './tls/self-signed.ts';

export interface TrialDirectory {
  /** ldap://host:port (StartTLS available). */
  readonly url: string;
  /** ldaps://host:ldapsPort */
  readonly ldapsUrl: string;
  readonly host: string;
  readonly port: number;
  readonly ldapsPort: number;
  /** PEM of the CA that signed the server certificate: what clients must trust. Undefined if tls.cert was given without tls.caPem. */
  readonly caPem: string | undefined;
  /** Host name in the certificate and the root DSE's dnsHostName (use as TLS servername). */
  readonly hostname: string;
  readonly baseDn: string;
  /** S-1-5-21-a-b-c, derived from the base DN: the prefix of every user's and group's objectSid. */
  readonly domainSid: string;
  /** NetBIOS domain (CORP) and DNS domain (corp.example.test). */
  readonly domain: string;
  readonly dnsDomain: string;
  readonly faults: Faults;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTrialDirectory(options: TrialDirectoryOptions): Promise<TrialDirectory> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TrialDirectoryError(
      'ERR_CONFIG_INVALID',
      `startTrialDirectory options are invalid:\n${lines.join('\n')}`,
    );
  }
  const opts = parsed.data;
  if ((opts.users === undefined) === (opts.usersFile === undefined)) {
    throw new TrialDirectoryError(
      'ERR_CONFIG_INVALID',
      'startTrialDirectory needs exactly one of `users` and `usersFile`',
    );
  }
  const usersFile =
    opts.usersFile !== undefined ? loadUsersFile(opts.usersFile) : parseUsers(opts.users, 'users option');
  const dnsDomain = dnsDomainOf(opts.baseDn) ?? 'corp.example.test';
  const domain = (opts.domain ?? dnsDomain.split('.')[0] ?? 'CORP').toUpperCase();
  const logger: Logger = (opts.logger ?? pino({ name: 'trial-directory' })).child({ component: 'trial-directory' });
  const directory = new Directory(usersFile, {
    baseDn: opts.baseDn,
    domainSid: domainSidOf(opts.baseDn),
    netbiosDomain: domain,
    dnsDomain,
  });

  const hostname = 'hostname' in opts.tls && opts.tls.hostname ? opts.tls.hostname : `dc1.${dnsDomain}`;
  const tls =
    'cert' in opts.tls
      ? { cert: opts.tls.cert, key: opts.tls.key, caPem: opts.tls.caPem }
      : await generateSelfSignedTls(hostname);

  const faultState = initialFaultState();
  const listeners = new Listeners({
    host: opts.host,
    port: opts.port,
    ldapsPort: opts.ldapsPort,
    cert: tls.cert,
    key: tls.key,
    maxConnections: opts.maxConnections,
    handshakeTimeoutMs: 10_000,
    logger,
    connection: {
      directory,
      policy: {
        allowPlainBind: opts.allowPlainBind,
        unauthenticatedBind: opts.unauthenticatedBind,
        lockoutThreshold: opts.lockoutThreshold,
        rootDseTokenGroups: opts.rootDseTokenGroups,
        passwordPolicy: resolvePasswordPolicy(opts.passwordPolicy),
      },
      logger,
      hostname,
      faults: faultState,
      maxMessageBytes: opts.maxMessageBytes,
      idleTimeoutMs: opts.idleTimeoutMs,
    },
  });
  await listeners.start();
  const faults = createFaults(faultState, listeners, (state) => {
    logger.warn(
      {
        event: 'faults',
        faults: { ...state, latencyOperations: state.latencyOperations && [...state.latencyOperations] },
      },
      'fault injection changed',
    );
  });

  const urlHost = urlHostOf(opts.host);
  logger.warn(
    {
      event: 'trialDirectoryStarted',
      url: `ldap://${urlHost}:${listeners.port}`,
      ldapsUrl: `ldaps://${urlHost}:${listeners.ldapsPort}`,
      users: directory.users.length,
    },
    'TRIAL DIRECTORY: an AD look-alike for trials and tests ONLY. Passwords are held in memory in clear. Never use it for real accounts or point a production agent at it.',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= listeners
      .closeAll()
      .then(() => logger.info({ event: 'trialDirectoryStopped' }, 'trial directory stopped'));
    return closing;
  };
  return {
    url: `ldap://${urlHost}:${listeners.port}`,
    ldapsUrl: `ldaps://${urlHost}:${listeners.ldapsPort}`,
    host: opts.host,
    port: listeners.port,
    ldapsPort: listeners.ldapsPort,
    caPem: tls.caPem,
    hostname,
    baseDn: opts.baseDn,
    domainSid: directory.names.domainSid,
    domain,
    dnsDomain,
    faults,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function urlHostOf(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
