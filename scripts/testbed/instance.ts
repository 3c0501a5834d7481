/**
 * One running test bed instance: claim a loopback address, copy the template, start samba, lock the locked user,
 * write the description. stop() undoes all of it except the directory (kept for post-mortems; replaced next run).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LDAP_PORT, TESTBED_ROOT } from './constants.ts';
import { startDc } from './dc.ts';
import { type TestbedInfo, writeDescription } from './description.ts';
import { lockUser } from './directory-admin.ts';
import { TestbedError } from './errors.ts';
import { removeDirQuietly, stopGroupSync, waitGroupGone } from './group-cleanup.ts';
import { claimAddress, releaseAddress, setLockOwner } from './loopback.ts';
import { assertPrerequisites } from './preflight.ts';
import { renderSmbConf } from './samba-conf.ts';
import { stopSamba } from './samba-process.ts';
import { ensureTemplate, type Progress } from './template.ts';
import { USERS } from './users.ts';

export interface StartOptions {
  /** Tie the DC's life to this process (stdin pipe): true for test runs, false for `cli.ts start`. */
  readonly tied: boolean;
  readonly ip?: string;
  readonly progress?: Progress;
}

export interface RunningInstance {
  readonly info: TestbedInfo;
  readonly descriptionFile: string;
  stop(): Promise<void>;
  /** For process 'exit' handlers. */
  stopSync(): void;
}

export function instanceDir(ip: string): string {
  return join(TESTBED_ROOT, `dc-${ip}`);
}

export async function startInstance(options: StartOptions): Promise<RunningInstance> {
  const progress = options.progress ?? (() => undefined);
  const t0 = Date.now();
  assertPrerequisites();
  const ip = await claimAddress(options.ip);
  try {
    const template = await ensureTemplate(ip, progress);
    const dir = instanceDir(ip);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(TESTBED_ROOT, { recursive: true });
    // cp -a keeps modes (samba insists on 0700 for its private and socket directories) and sparse tdb files.
    const copied = spawnSync('cp', ['-a', template, dir], { encoding: 'utf8' });
    if (copied.status !== 0) throw new TestbedError('TESTBED_COMMAND_FAILED', `cp -a failed: ${copied.stderr}`);
    writeFileSync(join(dir, 'etc', 'smb.conf'), renderSmbConf(dir, ip));
    progress(`starting Samba AD DC on ${ip} (${dir})`);
    const dc = await startDc(dir, ip, options.tied);
    setLockOwner(ip, dc.child.pid);
    try {
      await lockUser(dc.ldapsUrl, dc.tlsOptions, USERS.locked.upn, USERS.locked.password);
    } catch (error) {
      await stopSamba(dc.child.pid);
      throw error;
    }
    const info: TestbedInfo = {
      version: 1,
      ip,
      ldapsUrl: dc.ldapsUrl,
      ldapUrl: `ldap://${ip}:${LDAP_PORT}`,
      caFile: dc.caFile,
      dir,
      pid: dc.child.pid,
      startedAt: new Date().toISOString(),
      tied: options.tied,
    };
    const descriptionFile = writeDescription(info);
    progress(`Samba AD DC ready on ${dc.ldapsUrl} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    let stopped = false;
    return {
      info,
      descriptionFile,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopSamba(info.pid);
        // The root process is gone; its workers may still be flushing files into the directory.
        await waitGroupGone(info.pid, 5_000);
        releaseAddress(ip);
        // 30 MB per instance; OPENPTA_TESTBED_KEEP=1 keeps it (logs in DIR/log) for a post-mortem.
        if (process.env.OPENPTA_TESTBED_KEEP !== '1') removeDirQuietly(dir);
      },
      stopSync() {
        // Runs in process 'exit' handlers: it must never throw (that would change the exit code of a passing run).
        if (stopped) return;
        stopped = true;
        try {
          stopGroupSync(info.pid);
          releaseAddress(ip);
        } catch (error) {
          process.stderr.write(`[ad-testbed] stopping ${ip} at exit: ${String(error)}\n`);
        }
        if (process.env.OPENPTA_TESTBED_KEEP !== '1') removeDirQuietly(dir);
      },
    };
  } catch (error) {
    releaseAddress(ip);
    throw error;
  }
}
