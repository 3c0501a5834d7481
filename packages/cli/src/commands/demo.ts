/**
 * `openpta demo` (and `npm start`): the whole system on one machine from a fresh clone: cloud, trial directory with
 * demo users, one registered agent, and a demo app to sign in to. Logs (JSON) go to stdout, the banner to stderr.
 * Ctrl-C (or SIGTERM) stops everything cleanly; a second one forces.
 */
import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a complete local demo: cloud, trial directory, agent and a demo app')
    .option('--data-dir <dir>', 'where the demo keeps its database, keys and certificates', '.data/demo')
    .option('--port <port>', 'cloud HTTPS port (0 = any free port)', '8443')
    .option('--app-port <port>', 'demo app port (0 = any free port)', '8080')
    .option('--agent-health-port <port>', 'agent health/metrics port (0 = any free port)', '9464')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'warn')
    .action(
      async (options: {
        dataDir: string;
        port: string;
        appPort: string;
        agentHealthPort: string;
        logLevel: string;
      }) => {
        const { demoBanner, startDemoStack } = await import('../demo/index.ts');
        const stack = await startDemoStack({
          dataDir: options.dataDir,
          port: Number(options.port),
          rpPort: Number(options.appPort),
          agentHealthPort: Number(options.agentHealthPort),
          logLevel: options.logLevel as 'warn',
        });
        process.stderr.write(demoBanner(stack));
        let signalled = false;
        const stop = (signal: NodeJS.Signals) => {
          if (signalled) process.exit(130);
          signalled = true;
          process.stderr.write(`\n${signal}: stopping the demo...\n`);
          stack.close().then(
            () => {
              process.stderr.write('demo stopped\n');
              process.exit(0);
            },
            () => process.exit(1),
          );
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      },
    );
}
