/**
 * `openpta agent register`: joins an agent to a tenant with a single-use token from `openpta admin agent-token
 * create`. It pins the cloud's CA from the token (first contact sends nothing before the pin matches), creates the
 * agent's keys in the state directory (mode 0600; the private keys never leave it) and stores the issued client
 * certificate. `openpta agent renew` renews certificate and encryption key now (the agent also does it by itself at
 * 2/3 of the validity).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { agentCommand } from './agent-check.ts';

const AGENT_VERSION = '0.1.0';

interface RegisterOptions {
  cloud: string;
  token?: string;
  stateDir: string;
  cloudCa?: string;
  tenant?: string;
  name?: string;
  json?: boolean;
}

export function registerAgentRegister(
  program: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  const agent = agentCommand(program);
  agent
    .command('register')
    .description('register this agent with the cloud using a single-use token (creates keys and gets a certificate)')
    .requiredOption('--cloud <url>', 'the cloud base URL, e.g. https://login.example.com')
    .option('--token <token>', 'registration token (prefer env OPENPTA_AGENT_TOKEN: flags show in ps)')
    .requiredOption('--state-dir <dir>', 'directory for the agent keys and certificate (created with mode 0700)')
    .option('--cloud-ca <file>', "the cloud's CA certificate, when its server does not send it (must match the token)")
    .option('--tenant <name>', 'the tenant you mean to join: a token of another tenant is refused')
    .option('--name <name>', 'display name in `openpta admin agents list` (default: host name)')
    .option('--json', 'print JSON')
    .action(async (options: RegisterOptions) => {
      const identity = await import('@openpta/agent');
      const token = options.token ?? process.env.OPENPTA_AGENT_TOKEN;
      if (!token) throw new Error('no registration token: pass --token or set OPENPTA_AGENT_TOKEN');
      let cloudCaPem: string | undefined;
      if (options.cloudCa) {
        try {
          cloudCaPem = readFileSync(resolve(options.cloudCa), 'utf8');
        } catch {
          throw new Error(`cannot read the CA file ${options.cloudCa}`);
        }
      }
      const stateDir = resolve(options.stateDir);
      const state = await identity
        .registerAgent({
          cloudUrl: options.cloud,
          token,
          stateDir,
          cloudCaPem,
          tenant: options.tenant,
          name: options.name,
          agentVersion: AGENT_VERSION,
        })
        .catch(explain);
      const result = {
        agentId: state.agentId,
        tenantId: state.tenantId,
        stateDir,
        certificateExpiresAt: new Date(state.certificateNotAfter).toISOString(),
        renewAfter: new Date(state.renewAfter).toISOString(),
        encryptionKid: state.encryptionKid,
      };
      out(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `registered agent ${result.agentId} (tenant ${result.tenantId})\n` +
              `  state: ${stateDir}\n  certificate valid until ${result.certificateExpiresAt}, renews from ${result.renewAfter}\n` +
              `next: openpta agent run --state-dir ${options.stateDir} --config <agent.yaml>\n`,
      );
    });

  agent
    .command('renew')
    .description('renew the agent certificate and encryption key now (mutual TLS with the current certificate)')
    .requiredOption('--state-dir <dir>', 'the state directory written by `openpta agent register`')
    .option('--json', 'print JSON')
    .action(async (options: { stateDir: string; json?: boolean }) => {
      const identity = await import('@openpta/agent');
      const state = await identity.renewAgent({ stateDir: resolve(options.stateDir) }).catch(explain);
      const result = {
        agentId: state.agentId,
        certificateExpiresAt: new Date(state.certificateNotAfter).toISOString(),
        renewAfter: new Date(state.renewAfter).toISOString(),
        encryptionKid: state.encryptionKid,
      };
      out(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `renewed agent ${result.agentId}: certificate valid until ${result.certificateExpiresAt}\n`,
      );
    });
}

/** Re-throws with the cloud's reason code in the message (the CLI prints one line and exits 1). */
function explain(error: unknown): never {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    throw new Error(`${error.message} [${error.code}]`);
  }
  throw error;
}
