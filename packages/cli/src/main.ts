#!/usr/bin/env node
/**
 * The `openpta` command. Each sub-command lives in its own file under commands/ and registers itself here.
 */
import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command('openpta')
    .description('openpta: pass-through authentication to Active Directory')
    .showHelpAfterError()
    .exitOverride();
  return program;
}

if (import.meta.main) {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    process.exitCode = typeof code === 'number' ? code : 1;
  }
}
