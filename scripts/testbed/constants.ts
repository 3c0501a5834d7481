/**
 * Fixed facts of the Samba AD test bed: where it lives, its ports, and the administrator it is provisioned with.
 * Everything here is test-only: the administrator password protects a throw-away DC bound to a loopback address.
 */
import { join } from 'node:path';

/** Repository root (this file is scripts/testbed/constants.ts). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
/** Working area (git-ignored): the cached template and one directory per running instance. */
export const TESTBED_ROOT = process.env.OPENPTA_TESTBED_ROOT ?? join(REPO_ROOT, '.testbed');

/** Env var: path of the JSON description of a running test bed (set by scripts/run-tests.ts or `cli.ts start`). */
export const ENV_DESCRIPTION = 'OPENPTA_TESTBED';
/** Env var: set by scripts/run-tests.ts when the shared test bed could not start, so every test fails fast with it. */
export const ENV_ERROR = 'OPENPTA_TESTBED_ERROR';
/** Env var: loopback address to use (default: the first free one from 127.0.0.2 up). */
export const ENV_IP = 'OPENPTA_TESTBED_IP';

export const FIRST_IP = 2;
export const LAST_IP = 60;
export const LDAP_PORT = 389;
export const LDAPS_PORT = 636;

export const ADMIN_PASSWORD = 'Testbed-Admin-Pass-1';
export const ADMIN_UPN = 'Administrator@corp.example.test';

/** Password settings object that makes a password expire (applied per user; see template.ts). */
export const EXPIRED_PSO = 'openpta-expired-pso';

/** How long start-up may take before we give up with a clear error. */
export const READY_TIMEOUT_MS = 60_000;

export const INSTALL_HINT =
  'Install the test bed prerequisites with `sudo bash scripts/install-system-deps.sh` (Debian; samba, ' +
  'samba-dsdb-modules, samba-ad-provision, ldb-tools, faketime, iproute2), then run the tests as root: `sudo npm test` ' +
  '(or `sudo node --test <file>`). See docs/TESTING.md.';
