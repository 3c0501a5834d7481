/**
 * Brings one instance directory up as a running DC and waits until it really serves: readiness is an LDAPS bind as
 * the administrator, verified against this instance's own CA. That proves the listener is ours (another samba on
 * the same address has a different CA) and that TLS, the directory and authentication all work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import { ADMIN_PASSWORD, ADMIN_UPN, LDAPS_PORT, READY_TIMEOUT_MS } from './constants.ts';
import { TestbedError } from './errors.ts';
import { logTail, type SambaChild, spawnSamba, stopSamba } from './samba-process.ts';
import { DOMAIN } from './users.ts';

export interface RunningDc {
  readonly child: SambaChild;
  readonly caFile: string;
  readonly caPem: string;
  readonly tlsOptions: ConnectionOptions;
  readonly ldapsUrl: string;
}

/** Samba generates its self-signed CA on first start; the certificate is issued to the DC's FQDN. */
export function caFileOf(dir: string): string {
  return join(dir, 'private', 'tls', 'ca.pem');
}

export function tlsOptionsFor(caPem: string): ConnectionOptions {
  return { ca: [caPem], servername: DOMAIN.dcFqdn, minVersion: 'TLSv1.2' };
}

async function tryAdminBind(ldapsUrl: string, tlsOptions: ConnectionOptions): Promise<string | undefined> {
  const client = new Client({ url: ldapsUrl, tlsOptions, timeout: 3_000, connectTimeout: 2_000 });
  try {
    await client.bind(ADMIN_UPN, ADMIN_PASSWORD);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export async function startDc(dir: string, ip: string, tied: boolean): Promise<RunningDc> {
  const child = spawnSamba(dir, tied);
  const ldapsUrl = `ldaps://${ip}:${LDAPS_PORT}`;
  const caFile = caFileOf(dir);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no CA file yet';
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      throw new TestbedError(
        'TESTBED_START_FAILED',
        `samba exited during start-up (log ${child.logFile}):\n${logTail(child.logFile)}`,
      );
    }
    if (existsSync(caFile)) {
      const caPem = readFileSync(caFile, 'utf8');
      if (caPem.includes('END CERTIFICATE')) {
        const tlsOptions = tlsOptionsFor(caPem);
        const failure = await tryAdminBind(ldapsUrl, tlsOptions);
        if (failure === undefined) return { child, caFile, caPem, tlsOptions, ldapsUrl };
        lastError = failure;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopSamba(child.pid);
  throw new TestbedError(
    'TESTBED_START_FAILED',
    `the test bed DC on ${ip} was not ready within ${READY_TIMEOUT_MS / 1000} s (last LDAPS bind error: ${lastError}; ` +
      `log ${child.logFile}):\n${logTail(child.logFile)}`,
  );
}
