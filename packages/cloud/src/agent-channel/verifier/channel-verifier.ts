/**
 * The production CredentialVerifier: the password is sealed (packages/protocol envelope) to each connected agent of
 * the tenant that serves the user's domain, bound to request id, tenant, agent and expiry, and dispatched through the
 * tenant's queue. Only ciphertext leaves this function: the queue, the frames, the logs and the errors never hold the
 * password.
 *
 * Status -> outcome: no agent -> agent_unavailable (at once); timeout -> directory_timeout; the agent that took the
 * request vanished -> directory_error (never retried: the bind may have happened, see dispatcher.ts); an agent's error
 * frame (e.g. its envelope did not open) -> directory_error.
 */
import { randomUUID } from 'node:crypto';
import {
  createEnvelopeSealer,
  type EnvelopeRecipient,
  type EnvelopeSecret,
  type Outcome,
  PASSWORD_PROVEN,
  ProtocolError,
} from '@openpta/protocol';
import type { Logger } from 'pino';
import type {
  ChangePasswordRequest,
  ChangePasswordResult,
  CredentialVerifier,
  VerifyPasswordRequest,
  VerifyPasswordResult,
} from '../../credentials/credential-verifier.ts';
import type { DispatchRequest, DispatchResult } from '../dispatch/index.ts';
import type { AgentGateway, ChannelAnswer, ChannelRequest } from '../gateway/index.ts';
import { checkCredentialInput, usernameDomain } from './input.ts';

export interface ChannelVerifierOptions {
  readonly gateway: AgentGateway;
  readonly logger: Logger;
  /** Overall budget per request (queue + agent + directory). Default: the dispatcher's (15 s). */
  readonly timeoutMs?: number;
  /** Observer for metrics: kind, dispatch status, outcome, elapsed ms. Must not throw. */
  readonly onResult?: (kind: 'validate' | 'change-password', status: string, outcome: Outcome, ms: number) => void;
}

/** A CredentialVerifier that can also be asked to use one given agent (the admin's "check this agent"). */
export interface ChannelVerifier extends CredentialVerifier {
  verifyPasswordVia(agentId: string, req: VerifyPasswordRequest): Promise<VerifyPasswordResult>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function createChannelVerifier(options: ChannelVerifierOptions): ChannelVerifier {
  const { gateway } = options;
  const logger = options.logger.child({ component: 'channel-verifier' });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Hot-path sealing (docs/PROTOCOL.md section 4): one ephemeral key for many copies, content key cached per agent key,
  // a fresh IV per copy. Saves a key generation and an X25519 agreement per agent per sign-in.
  const sealer = createEnvelopeSealer();

  /** What run() hands back: one shape for every outcome (fields unset are undefined). */
  type RunResult = {
    outcome: Outcome;
    status: string;
    elapsedMs: number;
    answer: ChannelAnswer | undefined;
    agentId: string | undefined;
  };

  async function run(
    kind: 'validate' | 'change-password',
    tenantId: string,
    username: string,
    secret: EnvelopeSecret,
    correlationId: string,
    signal: AbortSignal | undefined,
    onlyAgent?: string,
  ): Promise<RunResult> {
    const started = performance.now();
    const finish = (status: string, outcome: Outcome, answer?: ChannelAnswer, agentId?: string): RunResult => {
      const elapsedMs = performance.now() - started;
      options.onResult?.(kind, status, outcome, elapsedMs);
      return { outcome, status, elapsedMs, answer, agentId };
    };
    const domain = usernameDomain(username);
    const recipients: EnvelopeRecipient[] = [];
    for (const a of gateway.dispatcher.eligibleAgents(tenantId, domain)) {
      if (onlyAgent !== undefined && a.agentId !== onlyAgent) continue;
      const key = gateway.connectedKey(tenantId, a.agentId);
      if (key !== undefined) recipients.push({ agentId: a.agentId, key });
    }
    if (recipients.length === 0) {
      logger.warn({ correlationId, tenantId, domain }, 'no connected agent serves this domain: agent_unavailable');
      return finish('no_agent', 'agent_unavailable');
    }
    const requestId = randomUUID();
    const expiresAt = Date.now() + timeoutMs;
    let envelopes: Map<string, string>;
    try {
      envelopes = sealer.sealAll(recipients, { requestId, tenantId, expiresAt }, secret);
    } catch (error) {
      // sealEnvelope refuses invalid input (e.g. an over-long username) before anything is sent.
      if (error instanceof ProtocolError) return finish('refused', 'bad_request');
      throw error;
    }
    const request: DispatchRequest<ChannelRequest> = {
      requestId,
      tenantId,
      recipients: envelopes,
      payload: { kind, envelopes, expiresAt, usernameDomain: domain },
      timeoutMs,
      signal,
    };
    const result: DispatchResult<ChannelAnswer> = await gateway.dispatcher.dispatch(request);
    if (result.status === 'answered') {
      const answer = result.result;
      if (answer.kind === kind) {
        // The common case first, without building the log fields unless debug logging is on.
        if (logger.isLevelEnabled('debug')) {
          logger.debug(
            {
              correlationId,
              requestId,
              tenantId,
              status: result.status,
              agentId: result.agentId,
              outcome: answer.outcome,
            },
            'agent answered',
          );
        }
        return finish('answered', answer.outcome, answer, result.agentId);
      }
    }
    const log = { correlationId, requestId, tenantId, status: result.status };
    switch (result.status) {
      case 'answered': {
        const answer = result.result;
        if (answer.kind === 'error') {
          logger.warn({ ...log, agentId: result.agentId, code: answer.errorCode }, 'the agent refused the request');
          return finish('agent_error', 'directory_error', answer, result.agentId);
        }
        logger.warn({ ...log, agentId: result.agentId, answered: answer.kind }, 'the agent answered another kind');
        return finish('wrong_kind', 'directory_error', undefined, result.agentId);
      }
      case 'no_agent':
        logger.warn(log, 'no connected agent could take the request: agent_unavailable');
        return finish(result.status, 'agent_unavailable');
      case 'timeout':
        logger.warn({ ...log, taken: result.taken, agentId: result.agentId }, 'no answer in time: directory_timeout');
        return finish(result.status, 'directory_timeout', undefined, result.agentId);
      case 'agent_lost':
        logger.warn({ ...log, agentId: result.agentId }, 'the agent disconnected while validating: directory_error');
        return finish(result.status, 'directory_error', undefined, result.agentId);
      case 'aborted':
      case 'closed':
        return finish(result.status, 'directory_error');
    }
  }

  async function verify(req: VerifyPasswordRequest, onlyAgent?: string): Promise<VerifyPasswordResult> {
    if (!checkCredentialInput(req.username, [req.password])) return { outcome: 'bad_request' };
    const r = await run(
      'validate',
      req.tenantId,
      req.username,
      { purpose: 'validate', username: req.username, password: req.password },
      req.correlationId,
      req.signal,
      onlyAgent,
    );
    const answer = r.answer;
    const timings = signInTimings(answer?.timings as Readonly<Record<string, number>> | undefined, r.elapsedMs);
    // Fields are set only when present (never as undefined), in this order.
    const result: Mutable<VerifyPasswordResult> = { outcome: r.outcome };
    if (r.agentId !== undefined) result.agentId = r.agentId;
    // Attributes only ever accompany a proven password.
    if (answer?.attributes !== undefined && PASSWORD_PROVEN.has(r.outcome)) result.attributes = answer.attributes;
    if (answer?.dc !== undefined) result.dc = answer.dc;
    if (timings !== undefined) result.timings = timings;
    return result;
  }

  return {
    verifyPassword: (req) => verify(req),
    verifyPasswordVia: (agentId, req) => verify(req, agentId),
    async changePassword(req: ChangePasswordRequest): Promise<ChangePasswordResult> {
      if (!checkCredentialInput(req.username, [req.oldPassword, req.newPassword])) return { outcome: 'bad_request' };
      const r = await run(
        'change-password',
        req.tenantId,
        req.username,
        {
          purpose: 'change-password',
          username: req.username,
          oldPassword: req.oldPassword,
          newPassword: req.newPassword,
        },
        req.correlationId,
        req.signal,
      );
      return { outcome: r.outcome };
    },
  };
}

/**
 * The sign-in log's phases (sign-in-log/recorder.ts timingsFrom) from the agent's own timings and the cloud's round
 * trip: `agentMs` is the agent's handling (decrypt + directory), `directoryMs` the directory's share of it, and
 * `queueMs` the rest of the round trip (waiting for credit in the tenant's queue plus the network both ways).
 */
function signInTimings(
  agent: Readonly<Record<string, number>> | undefined,
  roundTripMs: number,
): Record<string, number> | undefined {
  if (agent === undefined) return undefined;
  const agentMs = typeof agent.totalMs === 'number' && Number.isFinite(agent.totalMs) ? agent.totalMs : undefined;
  const out: Record<string, number> = { totalMs: roundTripMs };
  if (agentMs !== undefined) {
    out.agentMs = agentMs;
    out.queueMs = Math.max(0, roundTripMs - agentMs);
  }
  if (typeof agent.directoryMs === 'number' && Number.isFinite(agent.directoryMs)) out.directoryMs = agent.directoryMs;
  return out;
}
