/**
 * The benchmarks' deployment: the cloud (app + agent channel, SQLite, dev TLS) in the bench process, and the agent
 * (with the trial directory, or pointed at the AD test bed) in a child process, registered through the real
 * registration API and connected over mutual TLS, as in production.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialVerifier } from '../packages/cloud/src/credentials/index.ts';
import {
  agentIdentityPlugin,
  type CloudDeps,
  createAgentChannel,
  createLogger,
  getAgentRegistry,
  loadCloudConfig,
  type RunningCloud,
  startCloud,
} from '../packages/cloud/src/index.ts';
import type { LoadResult } from './e2e-support.ts';

export interface BenchDirectory {
  readonly ldapsUrl: string;
  readonly caPem: string;
  readonly servername: string;
  readonly baseDn: string;
  /** The user the benchmarks sign in as. */
  readonly username: string;
  readonly password: string;
  /**
   * The agent's service account, as docs/AGENT.md recommends for a deployment: with it the agent tracks directory
   * changes and a repeat sign-in costs the DC the bind alone (without it, every sign-in also reads the bound token).
   */
  readonly serviceAccount?: { readonly bindDn: string; readonly password: string };
}

export interface AgentProcess {
  directLoad(concurrency: number, seconds: number): Promise<LoadResult>;
  /** Repeat sign-ins the agent served from its change-tracked attribute cache so far (metric result=hit_tracked). */
  trackedHits(): Promise<number>;
  /** CPU time used by the agent process so far (microseconds). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the trial directory in its own process (the third process of the deployment). */
export async function startDirectoryProcess(): Promise<{
  directory: BenchDirectory;
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}> {
  const child = fork(join(import.meta.dirname, 'e2e-directory-process.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const directory = await new Promise<BenchDirectory>((resolve, reject) => {
    child.once('message', (m) => resolve(m as BenchDirectory));
    child.once('exit', (code) => reject(new Error(`the trial directory process exited (${code})`)));
  });
  return {
    directory,
    cpuMicros: () =>
      new Promise((resolve) => {
        child.once('message', (m) => {
          const u = (m as { cpu: NodeJS.CpuUsage }).cpu;
          resolve(u.user + u.system);
        });
        child.send({ cmd: 'cpu' });
      }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
}

export interface BenchCloud {
  readonly cloud: RunningCloud;
  readonly verifier: ReturnType<typeof createAgentChannel>['verifier'];
  readonly channel: ReturnType<typeof createAgentChannel>;
  readonly tenantId: string;
  /** `stubDelayMs`: no directory; the agent answers 'ok' after that long (the channel alone, e2e-channel.bench.ts). */
  startAgentProcess(options: {
    maxInFlight: number;
    directory?: BenchDirectory;
    stubDelayMs?: number;
  }): Promise<AgentProcess>;
  close(): Promise<void>;
}

export interface BenchCloudOptions {
  readonly requestTimeoutMs?: number;
  /** Passed to the app (e.g. a rate limiter without limits for sign-in throughput runs). */
  readonly oidc?: CloudDeps['oidc'];
  /** Wraps the credential verifier the sign-in page calls (to time it). */
  readonly wrapVerifier?: (verifier: CredentialVerifier) => CredentialVerifier;
}

export async function startBenchCloud(dataDir: string, options: BenchCloudOptions = {}): Promise<BenchCloud> {
  const channel = createAgentChannel({ requestTimeoutMs: options.requestTimeoutMs ?? 15_000 });
  const config = loadCloudConfig({
    flags: { dataDir: join(dataDir, 'cloud'), host: '127.0.0.1', port: '0', logLevel: 'warn' },
    env: {},
  });
  const cloud = await startCloud(config, {
    logger: createLogger('warn'),
    credentialVerifier: options.wrapVerifier?.(channel.verifier) ?? channel.verifier,
    plugins: [agentIdentityPlugin(), channel.plugin],
    announce: () => {},
    ...(options.oidc === undefined ? {} : { oidc: options.oidc }),
  });
  const tenant = await cloud.ctx.services.tenants.create({ name: 'bench', domains: ['corp.example.test'] });
  const children: ChildProcess[] = [];
  let agents = 0;
  return {
    cloud,
    channel,
    verifier: channel.verifier,
    tenantId: tenant.id,
    async startAgentProcess({ maxInFlight, directory, stubDelayMs }) {
      const token = await getAgentRegistry(cloud.ctx).createRegistrationToken({ tenantId: tenant.id, actor: 'bench' });
      const child = fork(join(import.meta.dirname, 'e2e-agent-process.ts'), [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const replies: ((message: unknown) => void)[] = [];
      child.on('message', (m) => replies.shift()?.(m));
      const ask = <T>(message: unknown): Promise<T> =>
        new Promise((resolve, reject) => {
          replies.push((m) => {
            const reply = m as { error?: string; value?: T };
            if (reply.error !== undefined) reject(new Error(reply.error));
            else resolve(reply.value as T);
          });
          child.send(message as object);
        });
      await ask({
        cmd: 'start',
        cloudUrl: cloud.ctx.config.publicUrl,
        token: token.token,
        cloudCaPem: readFileSync(cloud.ctx.tls.caFile!, 'utf8'),
        stateDir: join(dataDir, `agent-${agents++}`),
        maxInFlight,
        directory,
        stubDelayMs,
      });
      // Wait until the cloud sees the agent with its credit.
      const deadline = Date.now() + 20_000;
      while (channel.gateway.dispatcher.eligibleAgents(tenant.id).length < agents) {
        if (Date.now() > deadline) throw new Error('the agent did not connect');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return {
        directLoad: (concurrency, seconds) => ask<LoadResult>({ cmd: 'direct', concurrency, seconds }),
        trackedHits: () => ask<number>({ cmd: 'tracked' }),
        cpuMicros: async () => {
          const u = await ask<NodeJS.CpuUsage>({ cmd: 'cpu' });
          return u.user + u.system;
        },
        async stop() {
          await ask({ cmd: 'stop' }).catch(() => undefined);
          if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
        },
      };
    },
    async close() {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await cloud.close();
    },
  };
}
