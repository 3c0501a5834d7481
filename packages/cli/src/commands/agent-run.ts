/**
 * `openpta agent run --state-dir DIR --config FILE`: the long-running agent. It connects out to the cloud (mutual TLS
 * with the certificate from registration, through HTTPS_PROXY when set), validates the requests it receives against
 * Active Directory, logs JSON lines (pino) on stdout and serves /healthz, /readyz and /metrics on a local port
 * (default 127.0.0.1:9464). SIGTERM/SIGINT: stop taking requests, finish in-flight ones, exit 0; a second signal
 * forces. Exit 2 on bad configuration or state; the cloud refusing the agent (revoked, unknown) is logged and the
 * agent keeps its health endpoint answering not-ready so the operator sees it.
 */
import type { Command } from 'commander';
import { agentCommand } from './agent-check.ts';

export function registerAgentRun(program: Command): void {
  agentCommand(program)
    .command('run')
    .description('run the agent: connect to the cloud and validate sign-ins against Active Directory')
    .requiredOption('--state-dir <dir>', 'state directory written by `openpta agent register` (keys, certificate)')
    .requiredOption('--config <file>', 'agent configuration file (YAML or JSON): directory, cloud, health, log')
    .option('--health-port <port>', 'local health/metrics port (overrides health.port; 0 = any free port)')
    .action(async (options: { stateDir: string; config: string; healthPort?: string }) => {
      const agent = await import('@openpta/agent');
      let runtime: import('@openpta/agent').AgentRuntime;
      try {
        const config = agent.loadAgentRunConfig(options.config);
        if (options.healthPort !== undefined) config.health.port = Number(options.healthPort);
        const logger = agent.createAgentLogger({ level: config.log.level });
        const identity = agent.loadRunIdentity(options.stateDir);
        runtime = await agent.startAgentRuntime({ config, identity, logger });
        if (runtime.healthUrl !== undefined)
          process.stderr.write(`openpta agent: health and metrics on ${runtime.healthUrl}\n`);
        let signalled = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (signalled) {
            logger.warn({ signal }, 'second signal: forcing exit');
            process.exit(130);
          }
          signalled = true;
          logger.info({ signal }, 'signal received: shutting down gracefully');
          runtime.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      } catch (error) {
        process.stderr.write(`openpta agent run: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      }
    });
}
