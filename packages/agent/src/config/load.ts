/**
 * Loads the agent configuration: file (YAML or JSON; YAML is a superset) -> OPENPTA_AGENT_* overrides -> zod. Every
 * wrong field is reported in one error, by path, with the environment variable that set it when there is one.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AGENT_ERROR_CODES, AgentError } from '../directory/errors.ts';
import { applyEnvOverrides, ENV_OVERRIDES, type EnvOverride } from './env.ts';
import { type AgentConfig, agentConfigSchema, type DirectoryConfig, type ResolvedDirectoryConfig } from './schema.ts';

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly envOverrides?: readonly EnvOverride[];
}

/** Formats zod issues as one line per wrong field: `directory.timeouts.connectMs: ... (from OPENPTA_AGENT_...)`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], fromEnv: ReadonlyMap<string, string>): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(top level)';
      const envName = [...fromEnv.entries()].find(([p]) => path === p || path.startsWith(`${p}.`))?.[1];
      return `  ${path}: ${issue.message}${envName ? ` (from ${envName})` : ''}`;
    })
    .join('\n');
}

/** Parses an already-read configuration object (file contents) with env overrides; throws CONFIG_INVALID. */
export function parseAgentConfig<S extends z.ZodType = typeof agentConfigSchema>(
  raw: unknown,
  options: LoadOptions & { schema?: S; source?: string } = {},
): z.output<S> {
  const { config, applied } = applyEnvOverrides(raw, options.env ?? process.env, options.envOverrides ?? ENV_OVERRIDES);
  const schema = (options.schema ?? agentConfigSchema) as S;
  const result = schema.safeParse(config);
  if (!result.success) {
    throw new AgentError(
      AGENT_ERROR_CODES.CONFIG_INVALID,
      `invalid agent configuration${options.source ? ` in ${options.source}` : ''}:\n${formatIssues(result.error.issues, applied)}`,
    );
  }
  return result.data;
}

/** Reads and validates a configuration file. */
export function loadAgentConfig(file: string, options: LoadOptions = {}): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentError(
      AGENT_ERROR_CODES.CONFIG_INVALID,
      `cannot read agent configuration ${file}: ${(error as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new AgentError(
      AGENT_ERROR_CODES.CONFIG_INVALID,
      `agent configuration ${file} is not valid YAML or JSON: ${(error as Error).message}`,
    );
  }
  return parseAgentConfig(raw, { ...options, source: file });
}

/** Reads the service account password from its file, else from its environment variable. */
export function resolveDirectoryConfig(
  directory: DirectoryConfig,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedDirectoryConfig {
  const { serviceAccount, ...rest } = directory;
  if (!serviceAccount) return rest;
  let password: string | undefined;
  if (serviceAccount.passwordFile) {
    try {
      password = readFileSync(serviceAccount.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new AgentError(
        AGENT_ERROR_CODES.SECRET_UNREADABLE,
        `cannot read the service account password file ${serviceAccount.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  } else {
    password = env[serviceAccount.passwordEnv];
  }
  if (!password) {
    throw new AgentError(
      AGENT_ERROR_CODES.SECRET_UNREADABLE,
      serviceAccount.passwordFile
        ? `the service account password file ${serviceAccount.passwordFile} is empty`
        : `set the service account password in ${serviceAccount.passwordEnv}, or directory.serviceAccount.passwordFile`,
    );
  }
  return { ...rest, serviceAccount: { bindDn: serviceAccount.bindDn, password } };
}
