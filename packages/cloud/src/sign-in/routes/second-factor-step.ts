/**
 * One second-factor check of the `mfa` stage (app code, recovery code or security key): the lockout-counted
 * verification (mfa/second-factor.ts), then one log line and the step's sign-in log entry.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyRequest } from 'fastify';
import {
  type MfaService,
  type SecondFactorInput,
  type SecondFactorOutcome,
  verifySecondFactor,
} from '../../mfa/index.ts';
import { protectionSettingsFromTenant, type SmartLockout } from '../../protection/index.ts';
import { mfaStepEntry } from '../../sign-in-log/index.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';
import type { MfaState } from './render-mfa-challenge.ts';
import { record, stepFacts } from './sign-in-record.ts';

export async function secondFactorStep(
  deps: RouteDeps,
  services: { mfa: MfaService; lockout: SmartLockout },
  request: FastifyRequest,
  loaded: Loaded,
  state: MfaState,
  factor: SecondFactorInput,
  startedAt: number,
): Promise<SecondFactorOutcome> {
  const correlationId = randomUUID();
  const result = await verifySecondFactor(services, {
    tenantId: loaded.tenant.id,
    userId: state.userId,
    username: state.username,
    settings: protectionSettingsFromTenant(loaded.tenant.settings).lockout,
    factor,
  });
  const facts = stepFacts(request, loaded, state.username, correlationId, state.userId);
  const totalMs = performance.now() - startedAt;
  const method = factor.method;
  const locked = !result.ok && result.locked;
  deps.log.info(
    {
      event: 'sign_in_mfa',
      tenant: loaded.tenant.name,
      username: state.username,
      method,
      ok: result.ok,
      locked,
      correlationId,
    },
    'second factor',
  );
  await record(deps, mfaStepEntry(facts, { method, ok: result.ok, locked, totalMs }));
  return result;
}
