/**
 * A harness for tests where the directory is not what is tested: a scripted verifier accepts one password for any
 * user (the real directory path is covered by oidc-flow.test.ts), and the per-IP sign-in limit is out of the way.
 */
import { SignInRateLimiter } from '../../src/protection/index.ts';
import { type Harness, startHarness } from './oidc-harness.ts';

export function startScriptedHarness(password: string, objectGuid: string): Promise<Harness> {
  return startHarness({
    verifier: {
      verifyPassword: async (r) =>
        r.password === password
          ? { outcome: 'ok', attributes: { objectGuid, upn: r.username } }
          : { outcome: 'invalid_credentials' },
      changePassword: async () => ({ outcome: 'directory_error' }),
    },
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
}
