import type { Command } from 'commander';
import { adminSubcommand, callAdmin, printResult } from './admin-tenant-settings.ts';

type Out = (text: string) => void;
type Json = Record<string, unknown>;

/**
 * `openpta admin tenant rotate-keys --name N`: the key published in advance as `next` starts signing, a new `next` is
 * published, and the old key stays in the JWKS until every token it signed has expired (docs/SIGN-IN.md).
 * `openpta admin tenant keys --name N`: the published key ids and which one signs.
 */
export function registerAdminTenantKeys(program: Command, out: Out = (t) => process.stdout.write(t)): void {
  const tenant = adminSubcommand(program, 'tenant', 'tenants');
  tenant
    .command('rotate-keys')
    .description("rotate a tenant's ID token signing key (the next key, already published, starts signing)")
    .requiredOption('--name <name>', 'tenant name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const result = await callAdmin(cmd, 'POST', `/tenants/${encodeURIComponent(opts.name)}/signing-keys/rotate`);
      printResult(cmd, out, result, () =>
        [
          `activeKid:  ${String(result.activeKid)}`,
          `nextKid:    ${String(result.nextKid)}`,
          `retiredKid: ${result.retiredKid ? String(result.retiredKid) : '-'}`,
          'The retired key stays in the JWKS until the tokens it signed have expired.',
        ].join('\n'),
      );
    });
  tenant
    .command('keys')
    .description("list a tenant's published signing keys")
    .requiredOption('--name <name>', 'tenant name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const { keys } = (await callAdmin(cmd, 'GET', `/tenants/${encodeURIComponent(opts.name)}/signing-keys`)) as {
        keys: Json[];
      };
      printResult(cmd, out, keys, () =>
        keys.map((k) => `${String(k.kid)}  ${String(k.alg)}  ${k.signs ? 'signs' : 'verify only'}`).join('\n'),
      );
    });
}
