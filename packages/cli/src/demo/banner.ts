/** What `openpta demo` prints once everything is up: where to go, who can sign in, and what to trust. */
import { readFileSync } from 'node:fs';
import { DEMO_USERS_FILE } from '@openpta/trial-directory';
import { parse as parseYaml } from 'yaml';
import type { DemoStack } from './demo-stack.ts';

const STATE_NOTES: Record<string, string> = {
  normal: 'signs in',
  disabled: 'account_disabled',
  mustChange: 'password_must_change (change it on the page)',
  accountExpired: 'account_expired',
  locked: 'account_locked',
  passwordExpired: 'password_expired (change it on the page)',
  logonHours: 'logon_hours',
};

export function demoBanner(stack: DemoStack): string {
  const file = parseYaml(readFileSync(DEMO_USERS_FILE, 'utf8')) as {
    users: { sAMAccountName: string; password: string; state: string; upn?: string }[];
  };
  const rows = file.users.map((u) => {
    const upn = u.upn ?? `${u.sAMAccountName}@corp.example.test`;
    return `    ${upn.padEnd(32)} ${u.password.padEnd(22)} ${STATE_NOTES[u.state] ?? u.state}`;
  });
  const base = stack.cloud.ctx.config.publicUrl;
  return [
    '',
    'openpta demo is running (DEVELOPMENT ONLY: throwaway CA, public demo passwords, trial directory).',
    '',
    `  Demo app (sign in here):  ${stack.relyingParty.url}`,
    `  Cloud (OIDC issuer):      ${stack.tenant.issuer}`,
    `  Cloud health/metrics:     ${base}/readyz  ${base}/metrics`,
    `  Agent health/metrics:     ${stack.agent.healthUrl ?? '(off)'}/readyz  ${stack.agent.healthUrl ?? ''}/metrics`,
    `  Trial directory (LDAPS):  ${stack.directoryUrl}`,
    `  CA to trust (the cloud):  ${stack.caFile}`,
    `  Agent state directory:    ${stack.stateDir}`,
    '',
    '  Demo users (username, password, what happens):',
    ...rows,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
