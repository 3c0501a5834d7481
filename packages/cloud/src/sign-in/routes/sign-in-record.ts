/** The sign-in log entry of one step (sign-in-log/): who, from where, for which client; best effort. */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AttemptFacts, SignInRecorder } from '../../sign-in-log/index.ts';
import type { AttemptContext } from '../password-attempt.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';

export function stepFacts(
  request: FastifyRequest,
  loaded: Loaded,
  username: string,
  correlationId: string,
  userId?: string,
) {
  const userAgent = request.headers['user-agent'];
  return {
    tenantId: loaded.tenant.id,
    username,
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    clientId: String(loaded.details.params.client_id ?? '') || null,
    correlationId,
    userId: userId ?? null,
  } satisfies AttemptFacts;
}

export function record(deps: RouteDeps, entry: Parameters<SignInRecorder['record']>[0]): Promise<void> {
  return deps.options.recorder ? deps.options.recorder.record(entry) : Promise.resolve();
}

/** The password-attempt context of this request (a fresh correlation id). */
export function attemptContext(
  request: FastifyRequest,
  loaded: Loaded,
  username: string,
  startedAt: number,
): AttemptContext {
  return { tenant: loaded.tenant, username, ip: request.ip, correlationId: randomUUID(), startedAt };
}
