import {
  describeMemoryProfile,
  MEMORY_PROFILES,
  parseMemoryProfile,
  planMemoryProfile,
} from '@openpta/cloud/memory-profile';
import type { Command } from 'commander';

/**
 * `openpta serve`: runs the cloud service over HTTPS. Settings: flags > OPENPTA_* environment > config file >
 * defaults (docs/CLOUD.md). Without --tls-cert/--tls-key a development CA and certificate are created in the data
 * directory. SIGTERM/SIGINT shut down gracefully; a second signal forces.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the openpta cloud service (OIDC provider, sign-in pages, admin API) over HTTPS')
    .option('-c, --config <file>', 'YAML or JSON config file (env OPENPTA_CONFIG)')
    .option('--data-dir <dir>', 'data directory: SQLite file, dev TLS, data key, admin.json (env OPENPTA_DATA_DIR)')
    .option('--host <address>', 'address to listen on (env OPENPTA_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env OPENPTA_PORT; default 8443; 0 = any free port)')
    .option('--public-url <url>', 'https URL users reach the service at (env OPENPTA_PUBLIC_URL)')
    .option('--database-url <url>', 'sqlite:<file> or postgres://... (env OPENPTA_DATABASE_URL)')
    .option('--tls-cert <file>', 'PEM certificate chain (env OPENPTA_TLS_CERT_FILE)')
    .option('--tls-key <file>', 'PEM private key (env OPENPTA_TLS_KEY_FILE)')
    .option('--tls-ca <file>', 'CA file clients need to trust the certificate (env OPENPTA_TLS_CA_FILE)')
    .option('--data-key-file <file>', 'key sealing client secrets at rest (env OPENPTA_DATA_KEY_FILE)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env OPENPTA_LOG_LEVEL)')
    .option(
      '--shutdown-timeout-ms <ms>',
      'grace period for in-flight requests at shutdown (env OPENPTA_SHUTDOWN_TIMEOUT_MS)',
    )
    .option(
      '--memory-profile <name>',
      `process memory settings: ${MEMORY_PROFILES.join(' | ')} (env OPENPTA_MEMORY_PROFILE; default agents, see docs/CLOUD.md)`,
    )
    .action(async (options: Record<string, string | undefined>) => {
      // Before anything else is loaded: the memory settings apply only to a process started with them, so the first
      // start re-executes itself (same process id) with them; the re-executed process goes on from here.
      const relaunch = planMemoryProfile(
        parseMemoryProfile(options.memoryProfile ?? process.env.OPENPTA_MEMORY_PROFILE),
        process,
      );
      if (relaunch && typeof process.execve === 'function') process.execve(relaunch.file, relaunch.args, relaunch.env);
      // Loaded on use: other sub-commands stay fast and do not pull in the server.
      const { agentIdentityPlugin, createAgentChannel, handleShutdownSignals, loadCloudConfig, startCloud } =
        await import('@openpta/cloud');
      const config = loadCloudConfig({
        flags: {
          configFile: options.config,
          dataDir: options.dataDir,
          host: options.host,
          port: options.port,
          publicUrl: options.publicUrl,
          databaseUrl: options.databaseUrl,
          tlsCertFile: options.tlsCert,
          tlsKeyFile: options.tlsKey,
          tlsCaFile: options.tlsCa,
          dataKeyFile: options.dataKeyFile,
          logLevel: options.logLevel,
          shutdownTimeoutMs: options.shutdownTimeoutMs,
        },
      });
      // Passwords are checked by the tenant's agents over the agent channel (sealed envelopes, per-tenant queue).
      const channel = createAgentChannel();
      const cloud = await startCloud(config, {
        credentialVerifier: channel.verifier,
        plugins: [agentIdentityPlugin(), channel.plugin],
      });
      cloud.logger.info(
        { memory: describeMemoryProfile(process.env, process.execArgv) },
        'process memory settings (docs/CLOUD.md, memory profile)',
      );
      handleShutdownSignals(cloud);
    });
}
