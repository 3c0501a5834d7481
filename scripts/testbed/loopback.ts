/**
 * Picks the loopback address a test bed instance binds to. Samba's `interfaces` only accepts addresses that an
 * interface actually has, so the address is added to `lo` (Linux routes all of 127/8 to lo, but samba enumerates
 * interface addresses). Each address is claimed with a lock file so two test runs (or two engineers) never share one,
 * and its LDAP ports must be free: another samba already on it would otherwise answer our readiness probe.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_IP, FIRST_IP, LAST_IP, LDAP_PORT, LDAPS_PORT } from './constants.ts';
import { TestbedError } from './errors.ts';

const LOCK_DIR = join(tmpdir(), 'openpta-testbed-locks');

function lockPath(ip: string): string {
  return join(LOCK_DIR, `${ip}.pid`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid recorded in an address's lock file, if that process still runs. */
export function lockOwner(ip: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath(ip), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the lock file atomically (O_EXCL); a lock whose owner died is taken over. */
function tryLock(ip: string): boolean {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath(ip), 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockOwner(ip) !== undefined) return false;
      rmSync(lockPath(ip), { force: true });
    }
  }
  return false;
}

/** Records which process now owns the address (the samba root process, so the lock outlives `cli.ts start`). */
export function setLockOwner(ip: string, pid: number): void {
  const path = lockPath(ip);
  const tmp = `${path}.${process.pid}`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, String(pid));
  closeSync(fd);
  // rename keeps the swap atomic for readers
  renameSync(tmp, path);
}

export function releaseAddress(ip: string): void {
  rmSync(lockPath(ip), { force: true });
}

export function ensureLoopbackAddress(ip: string): void {
  const shown = spawnSync('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' });
  if (shown.stdout.includes(`inet ${ip}/`)) return;
  const added = spawnSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo'], { encoding: 'utf8' });
  if (added.status !== 0 && !added.stderr.includes('File exists')) {
    throw new TestbedError(
      'TESTBED_COMMAND_FAILED',
      `could not add ${ip} to the loopback interface (\`ip addr add ${ip}/32 dev lo\`: ${added.stderr.trim()}); ` +
        'the test bed needs root with CAP_NET_ADMIN',
    );
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function portsFree(ip: string): Promise<boolean> {
  return (await portFree(ip, LDAP_PORT)) && (await portFree(ip, LDAPS_PORT));
}

/**
 * Claims a loopback address: OPENPTA_TESTBED_IP (or the given one) if set, else the first free one from 127.0.0.2.
 * The caller must releaseAddress() when its DC stops.
 */
export async function claimAddress(requested = process.env[ENV_IP]): Promise<string> {
  if (requested !== undefined && requested !== '') {
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(requested)) {
      throw new TestbedError('TESTBED_NO_FREE_ADDRESS', `${ENV_IP}=${requested} is not a 127.x.y.z address`);
    }
    if (!tryLock(requested)) {
      throw new TestbedError(
        'TESTBED_NO_FREE_ADDRESS',
        `${requested} is in use by test bed process ${lockOwner(requested)}; stop it (node scripts/testbed/cli.ts stop) or pick another ${ENV_IP}`,
      );
    }
    ensureLoopbackAddress(requested);
    if (!(await portsFree(requested))) {
      releaseAddress(requested);
      throw new TestbedError(
        'TESTBED_NO_FREE_ADDRESS',
        `ports ${LDAP_PORT}/${LDAPS_PORT} on ${requested} are held by another process (see \`ss -ltnp\`); pick another ${ENV_IP}`,
      );
    }
    return requested;
  }
  for (let n = FIRST_IP; n <= LAST_IP; n++) {
    const ip = `127.0.0.${n}`;
    if (!tryLock(ip)) continue;
    try {
      ensureLoopbackAddress(ip);
    } catch (error) {
      releaseAddress(ip);
      // No CAP_NET_ADMIN (e.g. a container): 127.0.0.1 is always on lo, so one instance can still run there.
      if (tryLock('127.0.0.1')) {
        if (await portsFree('127.0.0.1')) {
          console.error(`[ad-testbed] ${(error as Error).message}; falling back to 127.0.0.1`);
          return '127.0.0.1';
        }
        releaseAddress('127.0.0.1');
      }
      throw error;
    }
    if (await portsFree(ip)) return ip;
    releaseAddress(ip);
  }
  throw new TestbedError(
    'TESTBED_NO_FREE_ADDRESS',
    `no free loopback address between 127.0.0.${FIRST_IP} and 127.0.0.${LAST_IP}; stop old test beds (node scripts/testbed/cli.ts stop --all)`,
  );
}
