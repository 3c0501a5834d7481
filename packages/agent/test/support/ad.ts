/**
 * Builds agent configurations pointing at the Samba AD test bed, and captures the agent's log lines.
 */
import { Writable } from 'node:stream';
import type { AdTestbed } from '../../../../scripts/testbed/index.ts';
import {
  type AgentConfigInput,
  createAgentLogger,
  createDirectoryValidator,
  type DirectoryValidator,
  type Logger,
  parseAgentConfig,
  resolveDirectoryConfig,
} from '../../src/index.ts';

export type DirectoryInput = AgentConfigInput['directory'];

export function adConfig(ad: AdTestbed, overrides: Partial<DirectoryInput> = {}): DirectoryInput {
  return {
    dcs: [{ url: ad.ldapsUrl, serverName: ad.servername }],
    tls: { caFile: ad.caFile },
    baseDn: ad.baseDn,
    domain: ad.domain,
    serviceAccount: { bindDn: ad.users.service.upn, passwordEnv: 'TEST_SERVICE_PASSWORD' },
    ...overrides,
  };
}

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: string[];
  text(): string;
}

export function captureLog(level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createAgentLogger({ level, destination }), lines, text: () => lines.join('\n') };
}

export function validatorFor(
  ad: AdTestbed,
  directory: DirectoryInput,
  options: { logger?: Logger } = {},
): DirectoryValidator {
  const env = { TEST_SERVICE_PASSWORD: ad.users.service.password };
  const config = parseAgentConfig({ directory, log: { level: 'silent' } }, { env: {} });
  return createDirectoryValidator(resolveDirectoryConfig(config.directory, env), {
    logger: options.logger ?? createAgentLogger({ level: 'silent' }),
  });
}

/** Reads a counter of the validator's Prometheus registry (sum over labels). */
export async function counter(v: DirectoryValidator, name: string): Promise<number> {
  const metric = v.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values.reduce((sum, x) => sum + x.value, 0);
}

export const USER_BINDS = 'openpta_agent_user_credential_checks_total';
