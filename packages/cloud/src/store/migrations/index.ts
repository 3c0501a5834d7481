import type { Migration, MigrationProvider } from 'kysely/migration';
import * as core from './0001-core.ts';
import * as oidc from './0002-oidc.ts';
import * as agents from './0003-agents.ts';
import * as protection from './0004-protection.ts';
import * as agentTokenRevocation from './0005-agent-token-revocation.ts';

/**
 * Every migration, listed statically (no directory scan: works the same from a bundle or a read-only install).
 * Numbering: 0001-core (platform), 0002-oidc (oidc), 0003-agents (agent PKI); later ones take the next free number.
 * Add yours with a one-line edit here.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': core,
  '0002-oidc': oidc,
  '0003-agents': agents,
  '0004-protection': protection,
  '0005-agent-token-revocation': agentTokenRevocation,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
