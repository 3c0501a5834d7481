/**
 * Can this machine run the test bed? Checked before anything is started so a developer gets one clear sentence
 * saying how to fix it, instead of a samba stack trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { INSTALL_HINT } from './constants.ts';
import { TestbedError } from './errors.ts';

const COMMANDS = ['samba', 'samba-tool', 'faketime', 'ip'] as const;
/** Shipped by the samba-ad-provision package; without it provisioning fails. */
const PROVISION_DATA = '/usr/share/samba/setup/provision.ldif';
/**
 * Shipped by samba-dsdb-modules, which samba only recommends: without it provisioning dies with "Module
 * [samba_secrets] not found". The directory is the multiarch one Debian uses; other layouts skip the check.
 */
const DSDB_MODULE_DIR = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/samba/ldb`;

export function findMissingPrerequisites(): string[] {
  const problems: string[] = [];
  if (process.platform !== 'linux') problems.push(`platform is ${process.platform}, not Linux`);
  if (process.getuid?.() !== 0) problems.push('not running as root (samba and `ip addr add` need root)');
  for (const cmd of COMMANDS) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0) {
      problems.push(`command not found: ${cmd}`);
    }
  }
  if (!existsSync(PROVISION_DATA)) problems.push('package samba-ad-provision is not installed');
  if (existsSync(DSDB_MODULE_DIR) && !existsSync(`${DSDB_MODULE_DIR}/samba_secrets.so`)) {
    problems.push('package samba-dsdb-modules is not installed');
  }
  return problems;
}

export function assertPrerequisites(): void {
  const problems = findMissingPrerequisites();
  if (problems.length > 0) {
    throw new TestbedError(
      'TESTBED_UNAVAILABLE',
      `The Samba AD test bed cannot start here: ${problems.join('; ')}. ${INSTALL_HINT}`,
    );
  }
}
