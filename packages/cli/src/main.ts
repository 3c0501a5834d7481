#!/usr/bin/env node
/**
 * The `openpta` command. Each sub-command lives in its own file under commands/ and registers itself in
 * buildProgram(): keep this file a table of contents.
 */
import { Command } from 'commander';
import { registerAdmin } from './commands/admin.ts';
import { registerAdminAgents } from './commands/admin-agents.ts';
import { registerAdminSignins } from './commands/admin-signins.ts';
import { registerAdminTenantKeys } from './commands/admin-tenant-keys.ts';
import { registerAdminTenantSettings } from './commands/admin-tenant-settings.ts';
import { registerAdminUserMfa } from './commands/admin-user-mfa.ts';
import { registerAgentCheck } from './commands/agent-check.ts';
import { registerAgentRegister } from './commands/agent-register.ts';
import { registerAgentRun } from './commands/agent-run.ts';
import { registerDemo } from './commands/demo.ts';
import { registerServe } from './commands/serve.ts';

export function buildProgram(): Command {
  const program = new Command('openpta')
    .description('openpta: pass-through authentication to Active Directory')
    .showHelpAfterError();
  registerServe(program);
  registerAdmin(program);
  registerAdminTenantSettings(program);
  registerAdminTenantKeys(program);
  registerAdminUserMfa(program);
  registerAdminSignins(program);
  registerAdminAgents(program);
  registerAgentCheck(program);
  registerAgentRun(program);
  registerAgentRegister(program);
  registerDemo(program);
  return program;
}

/** Runs the CLI; errors a command does not handle end the process with exit code 1 and a one-line message. */
export async function run(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    console.error(`openpta: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (import.meta.main) await run(process.argv);
