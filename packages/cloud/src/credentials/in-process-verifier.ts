/**
 * The in-process CredentialVerifier: runs the agent's own directory validator (@openpta/agent) inside the cloud
 * process, one validator per tenant. Used by tests, the demo and single-box trials; production uses the agent
 * channel's verifier, so passwords never leave the customer's network except encrypted to an agent.
 *
 * The validator already refuses bad input before any bind, maps every AD answer and transport failure to an outcome
 * and never logs the password; this wrapper adds the per-request deadline (AbortSignal) and per-tenant routing.
 */
import type { DirectoryValidator } from '@openpta/agent';
import type {
  ChangePasswordRequest,
  ChangePasswordResult,
  CredentialVerifier,
  VerifyPasswordRequest,
  VerifyPasswordResult,
} from './credential-verifier.ts';

export interface InProcessVerifierOptions {
  /** The validator serving a tenant; undefined = the tenant has no directory here (agent_unavailable). */
  readonly validatorFor: (tenantId: string) => DirectoryValidator | undefined;
}

/** Resolves with `onAbort` when the signal fires first; the validator's own timeouts still end its work. */
function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: T): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(onAbort);
  return new Promise<T>((resolve, reject) => {
    const abort = () => resolve(onAbort);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

export function createInProcessVerifier(options: InProcessVerifierOptions): CredentialVerifier {
  return {
    async verifyPassword(req: VerifyPasswordRequest): Promise<VerifyPasswordResult> {
      const validator = options.validatorFor(req.tenantId);
      if (!validator) return { outcome: 'agent_unavailable' };
      const result = await raceSignal(validator.validate(req.username, req.password), req.signal, {
        outcome: 'directory_timeout' as const,
        elapsedMs: 0,
      });
      return {
        outcome: result.outcome,
        attributes: result.attributes,
        agentId: 'in-process',
        dc: result.dc,
        timings: { directory: result.elapsedMs },
      };
    },
    async changePassword(req: ChangePasswordRequest): Promise<ChangePasswordResult> {
      const validator = options.validatorFor(req.tenantId);
      if (!validator) return { outcome: 'agent_unavailable' };
      const result = await raceSignal(
        validator.changePassword(req.username, req.oldPassword, req.newPassword),
        req.signal,
        { outcome: 'directory_timeout' as const, elapsedMs: 0 },
      );
      return { outcome: result.outcome };
    },
  };
}

/** The verifier of a cloud with no directory connection yet: every check is agent_unavailable (never "wrong"). */
export const noDirectoryVerifier: CredentialVerifier = {
  verifyPassword: async () => ({ outcome: 'agent_unavailable' }),
  changePassword: async () => ({ outcome: 'agent_unavailable' }),
};
