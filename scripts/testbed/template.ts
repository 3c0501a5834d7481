/**
 * The provisioned domain with the canonical users, built once and copied for every run (provisioning takes
 * seconds, a copy milliseconds). The template's name carries a hash of everything it is built from, so changing
 * users.ts or the recipe builds a new one. Concurrent runs wait for one builder (a lock directory).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAccount } from './accounts.ts';
import { ADMIN_PASSWORD, EXPIRED_PSO, TESTBED_ROOT } from './constants.ts';
import { startDc } from './dc.ts';
import { DirectoryAdmin } from './directory-admin.ts';
import { TestbedError } from './errors.ts';
import { renderSmbConf } from './samba-conf.ts';
import { stopSamba } from './samba-process.ts';
import { sambaTool } from './samba-tool.ts';
import { DOMAIN, GROUPS, groupDn, LOCKOUT_MINUTES, LOCKOUT_THRESHOLD, USERS, userDn } from './users.ts';

/** Bump when the build recipe below changes in a way the hash inputs do not show. */
const RECIPE_VERSION = 1;
const READY_MARK = 'TEMPLATE_READY';

export type Progress = (message: string) => void;

function templateKey(): string {
  const inputs = JSON.stringify({ RECIPE_VERSION, DOMAIN, USERS, GROUPS, LOCKOUT_THRESHOLD, LOCKOUT_MINUTES });
  return createHash('sha256').update(inputs).digest('hex').slice(0, 12);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function provision(dir: string, ip: string, progress: Progress): Promise<void> {
  progress('provisioning the domain (samba-tool domain provision)');
  await sambaToolProvision(dir, ip);
  writeFileSync(join(dir, 'etc', 'smb.conf'), renderSmbConf(dir, ip));
  progress('setting password and lockout policy');
  // max-pwd-age 0: passwords of a cached template never expire by age; only the PSO user's does.
  await sambaTool(dir, [
    'domain',
    'passwordsettings',
    'set',
    '--complexity=off',
    '--min-pwd-age=0',
    '--max-pwd-age=0',
    `--account-lockout-threshold=${LOCKOUT_THRESHOLD}`,
    `--account-lockout-duration=${LOCKOUT_MINUTES}`,
    `--reset-account-lockout-after=${LOCKOUT_MINUTES}`,
  ]);
  await sambaTool(dir, ['domain', 'passwordsettings', 'pso', 'create', EXPIRED_PSO, '1', '--max-pwd-age=2']);
}

async function sambaToolProvision(dir: string, ip: string): Promise<void> {
  const args = [
    'domain',
    'provision',
    '--use-rfc2307',
    `--realm=${DOMAIN.realm}`,
    `--domain=${DOMAIN.netbios}`,
    '--server-role=dc',
    '--dns-backend=NONE',
    `--adminpass=${ADMIN_PASSWORD}`,
    `--targetdir=${dir}`,
    `--host-name=${DOMAIN.dcHostName}`,
    `--option=interfaces=${ip}`,
    '--option=bind interfaces only=yes',
  ];
  try {
    await promisify(execFile)('samba-tool', args, { timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new TestbedError('TESTBED_COMMAND_FAILED', `samba-tool domain provision failed: ${stderr.slice(-600)}`);
  }
}

async function populate(dir: string, ip: string, progress: Progress): Promise<void> {
  progress('starting the DC once to create TLS keys, groups and users');
  const dc = await startDc(dir, ip, true);
  try {
    const admin = await DirectoryAdmin.connect(dc.ldapsUrl, dc.tlsOptions);
    try {
      for (const group of GROUPS) await admin.addGroup(group);
      for (const group of GROUPS)
        for (const parent of group.memberOf) await admin.addMember(parent, groupDn(group.name));
      for (const u of Object.values(USERS)) {
        // The locked user is locked at every instance start: a lockout ends after LOCKOUT_MINUTES.
        const state = u.state === 'locked' ? 'enabled' : u.state;
        await createAccount({ dir, ...dc }, admin, { ...u, state, dn: userDn(u) });
      }
    } finally {
      await admin.close();
    }
  } finally {
    await stopSamba(dc.child.pid);
  }
}

/** The builder's pid; NaN while it has not written it yet or when the lock just went away. */
function readOwner(file: string): number {
  try {
    return Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return Number.NaN;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Rebuilt after a month: the self-signed TLS certificate samba made at build time must stay far from expiry. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

function isFresh(dir: string): boolean {
  try {
    return Date.now() - statSync(join(dir, READY_MARK)).mtimeMs < MAX_AGE_MS;
  } catch {
    return false;
  }
}

/** Older templates (other hashes) are never used again; running instances have their own copies. */
function removeStaleTemplates(current: string): void {
  for (const name of readdirSync(TESTBED_ROOT)) {
    const path = join(TESTBED_ROOT, name);
    if (/^template-[0-9a-f]{12}$/.test(name) && path !== current && !existsSync(`${path}.lock`)) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/** Returns the directory of a ready template, building it if needed (ip: where the build's DC may listen). */
export async function ensureTemplate(ip: string, progress: Progress): Promise<string> {
  const final = join(TESTBED_ROOT, `template-${templateKey()}`);
  if (isFresh(final)) return final;
  mkdirSync(TESTBED_ROOT, { recursive: true });
  const lock = `${final}.lock`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (isFresh(final)) return final;
      const owner = readOwner(join(lock, 'pid'));
      // A lock without a pid yet is being created right now, unless it is old (its creator died in between).
      const orphan = Number.isNaN(owner) ? ageMs(lock) > 10_000 : !pidAlive(owner);
      if (orphan) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) {
        throw new TestbedError('TESTBED_START_FAILED', `timed out waiting for process ${owner} to build ${final}`);
      } else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (isFresh(final)) return final;
    const build = `${final}.build`;
    rmSync(build, { recursive: true, force: true });
    rmSync(final, { recursive: true, force: true });
    const started = Date.now();
    await provision(build, ip, progress);
    await populate(build, ip, progress);
    for (const transient of ['run', 'log', 'msg.sock', 'msg.lock'])
      rmSync(join(build, transient), { recursive: true, force: true });
    writeFileSync(join(build, READY_MARK), `${new Date().toISOString()}\n`);
    renameSync(build, final);
    removeStaleTemplates(final);
    progress(`template ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${final}`);
    return final;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
