/**
 * Everything `openpta demo` runs in one process, as a library (the demo test and the end-to-end benchmarks use it):
 * the trial directory with the demo users, the cloud on embedded defaults (SQLite in the data directory, in-process
 * queue) with the agent channel as its credential verifier, a tenant, one agent registered through the real
 * registration API and connected over mutual TLS, and the demo relying party.
 *
 * Re-running with the same data directory reuses the tenant and the agent's identity (state directory).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentRuntime,
  agentRunConfigSchema,
  loadAgentIdentity,
  loadRunIdentity,
  registerAgent,
  startAgentRuntime,
} from '@openpta/agent';
import {
  type AgentChannelOptions,
  type AgentIdentityPluginOptions,
  agentIdentityPlugin,
  type CloudDeps,
  createAgentChannel,
  createLogger,
  getAgentRegistry,
  type Logger,
  loadCloudConfig,
  type RunningCloud,
  startCloud,
  type Tenant,
} from '@openpta/cloud';
import {
  DEMO_SERVICE_ACCOUNT,
  DEMO_USERS_FILE,
  startTrialDirectory,
  type TrialDirectory,
} from '@openpta/trial-directory';
import { type DemoRelyingParty, startDemoRelyingParty } from './relying-party.ts';

export interface DemoOptions {
  readonly dataDir: string;
  /** Cloud HTTPS port (default 8443; 0 = any free port). */
  readonly port?: number;
  /** Demo app port (default 8080; 0 = any). */
  readonly rpPort?: number;
  /** Agent health/metrics port (default 9464; 0 = any; false = off). */
  readonly agentHealthPort?: number | false;
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Per-request timeout of the channel (default 15 s). */
  readonly requestTimeoutMs?: number;
  /** Agent credit window (requests in flight). */
  readonly agentMaxInFlight?: number;
  readonly logger?: Logger;
  /** A real directory instead of the trial directory (tests and benchmarks against the AD test bed). */
  readonly directory?: ExternalDirectory;
  /** Agent channel settings (tests: faster activity flushes). */
  readonly channel?: AgentChannelOptions;
  /** Extra agent run settings (e.g. directory timeouts). */
  readonly agentDirectoryOverrides?: Record<string, unknown>;
  /** Agent identity settings of the cloud (tests: a certificate validity of seconds, to see renewals happen). */
  readonly agentIdentity?: AgentIdentityPluginOptions['settings'];
  /** Sign-in options of the cloud (tests: rate limits, lockout store). */
  readonly oidc?: CloudDeps['oidc'];
}

export interface ExternalDirectory {
  readonly ldapsUrl: string;
  readonly caPem: string;
  /** Name in the DC certificate (TLS servername). */
  readonly servername: string;
  readonly baseDn: string;
}

export interface DemoStack {
  readonly cloud: RunningCloud;
  /** The trial directory, when the stack started one. */
  readonly directory: TrialDirectory | undefined;
  readonly directoryUrl: string;
  readonly agent: AgentRuntime;
  readonly relyingParty: DemoRelyingParty;
  readonly tenant: Tenant;
  readonly clientId: string;
  readonly caFile: string;
  readonly stateDir: string;
  readonly channel: ReturnType<typeof createAgentChannel>;
  close(): Promise<void>;
}

export const DEMO_TENANT = 'demo';
export const DEMO_DOMAIN = 'corp.example.test';
/**
 * The demo agent runs as docs/AGENT.md recommends for a deployment, with a service account (the trial directory's
 * DEMO_SERVICE_ACCOUNT): it tracks directory changes, so a repeat sign-in costs the directory one bind.
 */
const DEMO_SERVICE_PASSWORD_ENV = 'OPENPTA_DEMO_SERVICE_PASSWORD';

export async function startDemoStack(options: DemoOptions): Promise<DemoStack> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const logLevel = options.logLevel ?? 'info';
  const logger = options.logger ?? createLogger(logLevel);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    let directory: TrialDirectory | undefined;
    let target: ExternalDirectory;
    if (options.directory === undefined) {
      const trial = await startTrialDirectory({
        usersFile: DEMO_USERS_FILE,
        logger: logger.child({ service: 'trial-directory' }),
      });
      directory = trial;
      closers.push(() => trial.close());
      target = { ldapsUrl: trial.ldapsUrl, caPem: trial.caPem ?? '', servername: trial.hostname, baseDn: trial.baseDn };
    } else {
      target = options.directory;
    }

    const channel = createAgentChannel({
      ...options.channel,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
    const config = loadCloudConfig({
      flags: {
        dataDir: join(options.dataDir, 'cloud'),
        host: '127.0.0.1',
        port: String(options.port ?? 8443),
        logLevel,
      },
      env: {},
    });
    const cloud = await startCloud(config, {
      logger,
      credentialVerifier: channel.verifier,
      ...(options.oidc === undefined ? {} : { oidc: options.oidc }),
      plugins: [
        agentIdentityPlugin(options.agentIdentity === undefined ? {} : { settings: options.agentIdentity }),
        channel.plugin,
      ],
      announce: () => {},
    });
    closers.push(() => cloud.close());
    const caFile = cloud.ctx.tls.caFile;
    if (caFile === undefined) throw new Error('the demo needs the development CA (do not set tls.certFile)');

    const tenants = cloud.ctx.services.tenants;
    const tenant =
      (await tenants.getByName(DEMO_TENANT)) ??
      (await tenants.create({ name: DEMO_TENANT, displayName: 'openpta demo', domains: [DEMO_DOMAIN] }));

    // The agent: registered once through the real registration API; its state directory is reused afterwards.
    const stateDir = join(options.dataDir, 'agent');
    let registered = false;
    try {
      const identity = loadAgentIdentity(stateDir);
      registered = identity.tenantId === tenant.id;
    } catch {
      registered = false;
    }
    if (!registered) {
      const { rmSync } = await import('node:fs');
      rmSync(stateDir, { recursive: true, force: true });
      const token = await getAgentRegistry(cloud.ctx).createRegistrationToken({
        tenantId: tenant.id,
        actor: 'openpta demo',
      });
      await registerAgent({
        cloudUrl: cloud.ctx.config.publicUrl,
        token: token.token,
        stateDir,
        cloudCaPem: readFileSync(caFile, 'utf8'),
        name: 'demo-agent',
        agentVersion: '0.1.0',
      });
    }
    const directoryCa = join(options.dataDir, 'trial-directory-ca.pem');
    writeFileSync(directoryCa, target.caPem, { mode: 0o600 });
    const agentConfig = agentRunConfigSchema.parse({
      directory: {
        dcs: [{ url: target.ldapsUrl, serverName: target.servername }],
        baseDn: target.baseDn,
        tls: { mode: 'ldaps', caFile: directoryCa },
        ...(directory === undefined
          ? {}
          : { serviceAccount: { bindDn: DEMO_SERVICE_ACCOUNT.bindDn, passwordEnv: DEMO_SERVICE_PASSWORD_ENV } }),
        ...options.agentDirectoryOverrides,
      },
      cloud: { proxy: false, maxInFlight: options.agentMaxInFlight ?? 64 },
      health: { port: options.agentHealthPort ?? 9464 },
      log: { level: logLevel },
    });
    const agent = await startAgentRuntime({
      config: agentConfig,
      identity: loadRunIdentity(stateDir),
      logger: logger.child({ service: 'agent' }),
      env: { [DEMO_SERVICE_PASSWORD_ENV]: DEMO_SERVICE_ACCOUNT.password },
    });
    closers.push(() => agent.stop());

    const relyingParty = await startDemoRelyingParty({
      caPem: readFileSync(caFile, 'utf8'),
      port: options.rpPort ?? 8080,
    });
    closers.push(() => relyingParty.close());
    const clients = await cloud.ctx.services.clients.list(tenant.id);
    let client = clients.find(
      (c) => c.name === 'openpta demo app' && c.redirectUris.includes(relyingParty.redirectUri),
    );
    if (client === undefined) {
      for (const old of clients.filter((c) => c.name === 'openpta demo app'))
        await cloud.ctx.services.clients.delete(old.clientId);
      ({ client } = await cloud.ctx.services.clients.create({
        tenantId: tenant.id,
        name: 'openpta demo app',
        redirectUris: [relyingParty.redirectUri],
        public: true,
      }));
    }
    await relyingParty.configure(tenant.issuer, client.clientId);
    return {
      cloud,
      directory,
      directoryUrl: target.ldapsUrl,
      agent,
      relyingParty,
      tenant,
      clientId: client.clientId,
      caFile,
      stateDir,
      channel,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
