/** Shared test fixtures: a trial directory with the demo users, a log capture, and ldapts clients. */
import { Writable } from 'node:stream';
import { Client } from 'ldapts';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { USERS } from '../../../scripts/testbed/users.ts';
import type { TrialDirectory, TrialDirectoryOptions } from '../src/index.ts';
import { DEMO_USERS_FILE, startTrialDirectory } from '../src/index.ts';

export interface LogCapture {
  readonly logger: Logger;
  readonly lines: string[];
  text(): string;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, text: () => lines.join('\n') };
}

export async function startDemo(
  options: Partial<TrialDirectoryOptions> = {},
): Promise<{ dir: TrialDirectory; logs: LogCapture }> {
  const logs = captureLogs();
  const dir = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: logs.logger, ...options });
  return { dir, logs };
}

/** ldapts over LDAPS, trusting the directory's CA (servername = the certificate's host name). */
export function ldapsClient(dir: TrialDirectory, timeout = 5_000): Client {
  return new Client({
    url: dir.ldapsUrl,
    tlsOptions: { ca: [dir.caPem ?? ''], servername: dir.hostname },
    timeout,
    connectTimeout: timeout,
  });
}

/** ldapts over plain LDAP (call startTLS() yourself when the test needs it). */
export function plainClient(dir: TrialDirectory, timeout = 5_000): Client {
  return new Client({ url: dir.url, timeout, connectTimeout: timeout });
}

export function tlsOptions(dir: TrialDirectory) {
  return { ca: [dir.caPem ?? ''], servername: dir.hostname };
}

export async function closeQuietly(client: Client): Promise<void> {
  await client.unbind().catch(() => undefined);
}

/** A demo directory and an LDAPS client bound as the service account, as the agent binds; close() ends both. */
export async function serviceBoundDemo(): Promise<{ dir: TrialDirectory; client: Client; close(): Promise<void> }> {
  const { dir } = await startDemo();
  const client = ldapsClient(dir);
  try {
    await client.bind(USERS.service.upn, USERS.service.password);
  } catch (error) {
    await dir.close();
    throw error;
  }
  return {
    dir,
    client,
    async close() {
      await closeQuietly(client);
      await dir.close();
    },
  };
}
