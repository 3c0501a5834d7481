/**
 * `openpta agent check --config FILE --username U`: validates one username/password against AD with the agent's
 * own configuration and code path, and prints the outcome as JSON on stdout (logs go to stderr). The password is
 * read from standard input (one line; a trailing newline is dropped) or, on a terminal, prompted for with echo off:
 * it is never a command-line argument (visible in `ps` and shell history).
 *
 * Exit codes: 0 ok; 1 a credential answer (invalid_credentials or an account state); 2 bad input or
 * configuration; 3 the directory failed (unavailable, timeout, TLS, error).
 */
import type { Command } from 'commander';

export const AGENT_CHECK_EXIT = { ok: 0, credentials: 1, usage: 2, directory: 3 } as const;

export function exitCodeFor(outcome: string): number {
  if (outcome === 'ok') return AGENT_CHECK_EXIT.ok;
  if (outcome === 'bad_request') return AGENT_CHECK_EXIT.usage;
  if (outcome.startsWith('directory_') || outcome === 'agent_unavailable') return AGENT_CHECK_EXIT.directory;
  return AGENT_CHECK_EXIT.credentials;
}

/** Reads the password: all of a piped stdin (minus one trailing newline), or a no-echo prompt on a terminal. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  return new Promise<string>((resolve, reject) => {
    let value = '';
    // Echo off BEFORE the prompt appears: keys typed (or pasted) as soon as the prompt shows must never be echoed.
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    process.stderr.write('Password: ');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.off('data', onData);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** `agent` is a command group shared with `agent run`: find it or create it. */
export function agentCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'agent') ??
    program.command('agent').description('the on-premises agent: validates passwords against Active Directory')
  );
}

export function registerAgentCheck(program: Command): void {
  agentCommand(program)
    .command('check')
    .description(
      'validate one username and password against AD (password from stdin or a prompt) and print the outcome',
    )
    .requiredOption('--config <file>', 'agent configuration file (YAML or JSON)')
    .requiredOption('--username <name>', 'UPN, alternate login id, or DOMAIN\\user (when configured)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 credential answer (wrong password, account state), 2 bad input or configuration,\n' +
        '3 directory failure (unavailable, timeout, TLS, error). See docs/AGENT.md.',
    )
    .action(async (options: { config: string; username: string }) => {
      const agent = await import('@openpta/agent');
      let validator: import('@openpta/agent').DirectoryValidator;
      try {
        const config = agent.loadAgentConfig(options.config);
        const directory = agent.resolveDirectoryConfig(config.directory);
        const logger = agent.createAgentLogger({ level: config.log.level, destination: process.stderr });
        validator = agent.createDirectoryValidator(directory, { logger });
      } catch (error) {
        console.error(`openpta agent check: ${(error as Error).message}`);
        process.exitCode = AGENT_CHECK_EXIT.usage;
        return;
      }
      try {
        const password = await readPassword();
        const result = await validator.validate(options.username, password);
        const out = {
          outcome: result.outcome,
          dc: result.dc ?? null,
          elapsed_ms: result.elapsedMs,
          ...(result.attributes ? { attributes: result.attributes } : {}),
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
        if (process.stdout.isTTY) {
          const who = result.attributes?.displayName ?? result.attributes?.upn ?? options.username;
          process.stdout.write(
            `${result.outcome === 'ok' ? 'OK' : 'FAILED'}: ${who}: ${result.outcome}` +
              `${result.dc ? ` (DC ${result.dc})` : ''} in ${Math.round(result.elapsedMs)} ms\n`,
          );
        }
        process.exitCode = exitCodeFor(result.outcome);
      } finally {
        await validator.close();
      }
    });
}
