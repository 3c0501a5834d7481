/**
 * An agent for channel tests: the real channel client and the real envelope opening, with an in-memory directory in
 * place of LDAP (the real directory validator is exercised in the AD test bed tests). It records every request it
 * received and every "bind" it did, so tests can prove isolation and that nothing was validated twice.
 */
import { type Outcome, openEnvelope, ReplayCache } from '@openpta/protocol';
import { pino } from 'pino';
import {
  type ChannelClient,
  type ChannelRequestFrame,
  type ChannelResponseFrame,
  createChannelClient,
} from '../../../agent/src/channel/index.ts';
import type { RegisteredTestAgent } from './harness.ts';

export interface TestAgent {
  readonly client: ChannelClient;
  /** Raw frames received, as JSON text (to prove no plaintext password travels). */
  readonly frames: string[];
  /** Every validation performed: username and tenant from the opened envelope. */
  readonly binds: { requestId: string; username: string; tenantId: string }[];
  /** Releases requests held by `hold`. */
  release(): void;
  /** Stops abruptly (like a killed process): sockets destroyed, no goodbye. */
  kill(): void;
  stop(): Promise<void>;
}

export interface TestAgentOptions {
  readonly url: string;
  readonly ca: string;
  readonly agent: RegisteredTestAgent;
  /** username -> [password, outcome when the password is right]. */
  readonly directory: ReadonlyMap<string, readonly [string, Outcome]>;
  readonly maxInFlight?: number;
  /** When true, requests wait for release() before answering. */
  readonly hold?: boolean;
  /** When true, requests are never answered. */
  readonly silent?: boolean;
  readonly proxyUrl?: string | null;
  readonly backoffBaseMs?: number;
}

export function startTestAgent(options: TestAgentOptions): TestAgent {
  const frames: string[] = [];
  const binds: TestAgent['binds'] = [];
  const replayCache = new ReplayCache();
  const releaseAll: (() => void)[] = [];
  const keys = new Map([[options.agent.envelopeKeys.kid, options.agent.envelopeKeys.privateKey]]);
  const handler = async (frame: ChannelRequestFrame, signal: AbortSignal): Promise<ChannelResponseFrame> => {
    frames.push(JSON.stringify(frame));
    const purpose = frame.type === 'validate-request' ? 'validate' : 'change-password';
    const opened = openEnvelope(frame.envelope, {
      keys,
      expect: {
        tenantId: options.agent.tenantId,
        audience: options.agent.agentId,
        purpose,
        requestId: frame.requestId,
      },
      replayCache,
    });
    if (!opened.ok) {
      return { type: 'error', requestId: frame.requestId, code: opened.error.code, message: opened.error.message };
    }
    if (options.silent === true) await new Promise((resolve) => signal.addEventListener('abort', resolve));
    if (options.hold === true) await new Promise<void>((resolve) => releaseAll.push(resolve));
    const claims = opened.claims;
    binds.push({ requestId: frame.requestId, username: claims.username, tenantId: claims.tenantId });
    const entry = options.directory.get(claims.username);
    const password = claims.purpose === 'validate' ? claims.password : claims.oldPassword;
    const outcome: Outcome = entry !== undefined && entry[0] === password ? entry[1] : 'invalid_credentials';
    if (frame.type === 'change-password-request') {
      return { type: 'change-password-response', requestId: frame.requestId, outcome };
    }
    return {
      type: 'validate-response',
      requestId: frame.requestId,
      outcome,
      ...(outcome === 'ok'
        ? { attributes: { objectGuid: '00000000-0000-4000-8000-000000000001', upn: claims.username }, dc: 'dc1.test' }
        : {}),
    };
  };
  const client = createChannelClient({
    url: options.url,
    cert: options.agent.cert,
    key: options.agent.key,
    ca: options.ca,
    proxyUrl: options.proxyUrl === undefined ? null : options.proxyUrl,
    handler,
    logger: pino({ level: 'silent' }),
    maxInFlight: options.maxInFlight ?? 8,
    hostname: options.agent.agentId,
    backoff: { baseMs: options.backoffBaseMs ?? 50, maxMs: 500 },
  });
  client.start();
  return {
    client,
    frames,
    binds,
    release() {
      for (const r of releaseAll.splice(0)) r();
    },
    kill() {
      client.abort();
    },
    stop: async () => {
      for (const r of releaseAll.splice(0)) r();
      await client.stop(2000);
    },
  };
}
