/**
 * The agent's request pipeline, top to bottom: open the envelope (checks algorithm, key, integrity, tenant,
 * audience, request id, purpose, expiry and replay: packages/protocol openEnvelope) -> validate or change the
 * password with the directory validator (one bind) -> answer with the typed outcome. A request whose envelope does not
 * open never reaches the directory: it is answered with an error frame carrying the envelope's code.
 */
import type { KeyObject } from 'node:crypto';
import {
  EnvelopeKeyCache,
  openEnvelope,
  PASSWORD_PROVEN,
  ReplayCache,
  type ValidateResponseFrame,
} from '@openpta/protocol';
import type { Logger } from 'pino';
import type { ChannelRequestHandler, ChannelResponseFrame } from '../channel/index.ts';
import type { DirectoryValidator } from '../directory/index.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Milliseconds rounded to the microsecond: the sign-in log needs no more, and a short number is cheaper to write and
 * to read than the 15-17 digits of a raw performance.now() difference (on both sides of the channel).
 */
function micros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface RequestHandlerOptions {
  readonly agentId: string;
  readonly tenantId: string;
  /** The agent's envelope private keys by kid (current and, during a renewal, previous). */
  readonly envelopeKeys: ReadonlyMap<string, KeyObject> | ((kid: string) => KeyObject | undefined);
  readonly validator: Pick<DirectoryValidator, 'validate' | 'changePassword'>;
  readonly logger: Logger;
  readonly replayCache?: ReplayCache;
}

export function createRequestHandler(options: RequestHandlerOptions): ChannelRequestHandler {
  const replayCache = options.replayCache ?? new ReplayCache();
  // Content keys by (kid, epk): the cloud reuses an ephemeral key for many copies, so most opens skip the X25519
  // agreement. Every copy is still authenticated by AES-GCM and checked for its binding.
  const keyCache = new EnvelopeKeyCache();
  const logger = options.logger;
  return async (frame): Promise<ChannelResponseFrame> => {
    const started = performance.now();
    const purpose = frame.type === 'validate-request' ? 'validate' : 'change-password';
    const opened = openEnvelope(frame.envelope, {
      keys: options.envelopeKeys,
      expect: { tenantId: options.tenantId, audience: options.agentId, purpose, requestId: frame.requestId },
      replayCache,
      keyCache,
    });
    const decryptMs = performance.now() - started;
    if (!opened.ok) {
      logger.warn(
        { requestId: frame.requestId, code: opened.error.code },
        'refused a request: its envelope did not open',
      );
      return { type: 'error', requestId: frame.requestId, code: opened.error.code, message: opened.error.message };
    }
    const claims = opened.claims;
    if (claims.purpose === 'validate') {
      const validateStarted = performance.now();
      const result = await options.validator.validate(claims.username, claims.password);
      const totalMs = performance.now() - started;
      // The directory's share (binds, searches, waiting for a pooled connection) for the cloud's sign-in log.
      const directoryMs = totalMs - (validateStarted - started);
      logger.info(
        { requestId: frame.requestId, outcome: result.outcome, dc: result.dc, ms: Math.round(totalMs) },
        'validated a sign-in',
      );
      // Fields set one by one (in the frame's order) rather than spread in: spreads in a literal take V8's slow path.
      const response: Mutable<ValidateResponseFrame> = {
        type: 'validate-response',
        requestId: frame.requestId,
        outcome: result.outcome,
      };
      if (result.attributes !== undefined && PASSWORD_PROVEN.has(result.outcome)) {
        response.attributes = result.attributes;
      }
      if (result.dc !== undefined) response.dc = result.dc.slice(0, 256);
      response.timings = { decryptMs: micros(decryptMs), directoryMs: micros(directoryMs), totalMs: micros(totalMs) };
      return response;
    }
    const result = await options.validator.changePassword(claims.username, claims.oldPassword, claims.newPassword);
    const totalMs = performance.now() - started;
    logger.info({ requestId: frame.requestId, outcome: result.outcome, dc: result.dc }, 'handled a password change');
    return {
      type: 'change-password-response',
      requestId: frame.requestId,
      outcome: result.outcome,
      ...(result.dc === undefined ? {} : { dc: result.dc.slice(0, 256) }),
      timings: { decryptMs: micros(decryptMs), totalMs: micros(totalMs) },
    };
  };
}
