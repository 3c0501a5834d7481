/**
 * Child process of the e2e benchmarks: registers an agent with the bench cloud, runs it (against its own trial
 * directory, or the given directory), and on request measures the agent's validator alone (the baseline).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  type AgentRuntime,
  agentRunConfigSchema,
  createAgentLogger,
  type DirectoryValidator,
  loadRunIdentity,
  registerAgent,
  startAgentRuntime,
} from '../packages/agent/src/index.ts';
import {
  DEMO_SERVICE_ACCOUNT,
  DEMO_USERS_FILE,
  startTrialDirectory,
  type TrialDirectory,
} from '../packages/trial-directory/src/index.ts';
import type { BenchDirectory } from './e2e-stack.ts';
import { closedLoop } from './e2e-support.ts';

let runtime: AgentRuntime | undefined;
let trial: TrialDirectory | undefined;
let target: BenchDirectory | undefined;
const logger = createAgentLogger({ level: 'warn' });

process.on('message', (message: { cmd: string } & Record<string, unknown>) => {
  handle(message).then(
    (value) => process.send?.({ value }),
    (error: unknown) => process.send?.({ error: error instanceof Error ? error.stack : String(error) }),
  );
});

async function handle(m: { cmd: string } & Record<string, unknown>): Promise<unknown> {
  if (m.cmd === 'start') {
    const stateDir = m.stateDir as string;
    await registerAgent({
      cloudUrl: m.cloudUrl as string,
      token: m.token as string,
      stateDir,
      cloudCaPem: m.cloudCaPem as string,
      agentVersion: 'bench',
    });
    if (m.stubDelayMs !== undefined) {
      // The channel alone: a validator that answers 'ok' with attributes after stubDelayMs, as a DC would.
      target = {
        ldapsUrl: 'ldaps://127.0.0.1:1',
        caPem: '',
        servername: 'stub',
        baseDn: 'DC=stub',
        username: 'u',
        password: 'p',
      };
    } else if (m.directory === undefined) {
      trial = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: logger as never });
      target = {
        ldapsUrl: trial.ldapsUrl,
        caPem: trial.caPem ?? '',
        servername: trial.hostname,
        baseDn: trial.baseDn,
        username: 'alice@corp.example.test',
        password: 'Alice-Pass-1',
        serviceAccount: DEMO_SERVICE_ACCOUNT,
      };
    } else {
      target = m.directory as BenchDirectory;
    }
    const caFile = join(stateDir, 'directory-ca.pem');
    writeFileSync(caFile, target.caPem);
    const config = agentRunConfigSchema.parse({
      directory: {
        dcs: [{ url: target.ldapsUrl, serverName: target.servername }],
        baseDn: target.baseDn,
        tls: { mode: 'ldaps', caFile },
        // As many connections as the raw-bind baseline of e2e-ad.bench.ts uses at its highest concurrency (16).
        pool: { userBindsPerDc: 16 },
        ...(target.serviceAccount
          ? { serviceAccount: { bindDn: target.serviceAccount.bindDn, passwordEnv: 'BENCH_SERVICE_PASSWORD' } }
          : {}),
      },
      cloud: { proxy: false, maxInFlight: m.maxInFlight as number },
      health: { port: false },
      log: { level: 'warn' },
    });
    runtime = await startAgentRuntime({
      config,
      identity: loadRunIdentity(stateDir),
      logger,
      env: { BENCH_SERVICE_PASSWORD: target.serviceAccount?.password },
      ...(m.stubDelayMs === undefined ? {} : { validator: stubValidator(m.stubDelayMs as number) }),
    });
    await runtime.client.whenConnected();
    return true;
  }
  if (m.cmd === 'direct') {
    const validator = runtime!.validator;
    const t = target!;
    return closedLoop(m.concurrency as number, m.seconds as number, async () => {
      const r = await validator.validate(t.username, t.password);
      return r.outcome === 'ok';
    });
  }
  if (m.cmd === 'tracked') {
    const data = await runtime!.validator.metrics.getSingleMetric('openpta_agent_attribute_cache_total')?.get();
    return data?.values.find((v) => v.labels.result === 'hit_tracked')?.value ?? 0;
  }
  if (m.cmd === 'cpu') return process.cpuUsage();
  if (m.cmd === 'stop') {
    await runtime?.stop();
    await trial?.close();
    setImmediate(() => process.exit(0));
    return true;
  }
  throw new Error(`unknown command ${m.cmd}`);
}

/** Answers like validate() against a DC that takes `delayMs` (no LDAP, no CPU of its own beyond a timer). */
function stubValidator(delayMs: number): DirectoryValidator {
  const attributes = {
    objectGuid: '0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    upn: 'alice@corp.example.test',
    sam: 'alice',
    displayName: 'Alice',
    mail: 'alice@corp.example.test',
    groups: ['CN=Domain Users,CN=Users,DC=corp,DC=example,DC=test'],
  };
  return {
    validate: () =>
      new Promise((resolve) =>
        setTimeout(() => resolve({ outcome: 'ok', attributes, dc: 'dc1.corp.example.test' }), delayMs),
      ),
    changePassword: async () => ({ outcome: 'directory_error' }),
    health: async () => ({ ok: true }) as never,
    close: async () => {},
    metrics: new Registry(),
  } as unknown as DirectoryValidator;
}
