/**
 * `openpta agent run` configuration: the agent's file (directory + log) extended with the `cloud` and `health`
 * sections. Defaults are the secure and usual choice; every one is documented here.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseAgentConfig } from '../config/load.ts';
import { agentConfigSchema } from '../config/schema.ts';

export const cloudSectionSchema = z.strictObject({
  /** wss://host:port/agent/v1/connect; default: the URL recorded in the state directory at registration. */
  url: z
    .string()
    .refine((v) => /^wss:\/\//.test(v), 'must be a wss:// URL (the cloud HTTPS port, mutual TLS)')
    .optional(),
  /**
   * http://[user:pass@]host:port of an HTTP CONNECT proxy; default: HTTPS_PROXY / NO_PROXY from the environment;
   * `false` = never use a proxy.
   */
  proxy: z.union([z.string().regex(/^http:\/\//, 'must be an http:// proxy URL'), z.literal(false)]).optional(),
  /** Requests this agent works on at once (credits granted to the cloud). */
  maxInFlight: z.int().min(1).max(1024).default(64),
  connectTimeoutMs: z.int().min(1000).max(120_000).default(15_000),
  /** Reconnect backoff: full jitter, base doubling up to max. */
  backoff: z
    .strictObject({
      baseMs: z.int().min(10).max(60_000).default(1000),
      maxMs: z.int().min(100).max(600_000).default(60_000),
    })
    .prefault({}),
  /** How long a graceful stop waits for in-flight requests. */
  shutdownTimeoutMs: z.int().min(0).max(600_000).default(20_000),
});

export const healthSectionSchema = z.strictObject({
  /** Loopback by default: metrics and health are for the local monitoring agent, not the network. */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 = any free port; false = disabled. */
  port: z.union([z.int().min(0).max(65535), z.literal(false)]).default(9464),
});

export const agentRunConfigSchema = agentConfigSchema.extend({
  cloud: cloudSectionSchema.prefault({}),
  health: healthSectionSchema.prefault({}),
});

export type AgentRunConfig = z.output<typeof agentRunConfigSchema>;
export type AgentRunConfigInput = z.input<typeof agentRunConfigSchema>;

/** Reads and validates an `agent run` configuration file (YAML or JSON), with OPENPTA_AGENT_* overrides. */
export function loadAgentRunConfig(file: string, env: NodeJS.ProcessEnv = process.env): AgentRunConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read agent configuration ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new Error(`agent configuration ${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return parseAgentConfig(raw, { env, schema: agentRunConfigSchema, source: file });
}
