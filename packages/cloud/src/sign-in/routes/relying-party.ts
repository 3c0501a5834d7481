import type { RelyingParty } from '../../mfa/index.ts';
import type { Tenant } from '../../tenants/index.ts';
import type { RouteDeps } from './deps.ts';

/**
 * WebAuthn relying party (W3C WebAuthn 5.1.4: the RP ID is the host, the origin must match exactly); undefined
 * without a public URL (security keys are then not offered).
 */
export function rpFor(deps: RouteDeps, tenant: Tenant): RelyingParty | undefined {
  const { publicUrl } = deps.options;
  const url = typeof publicUrl === 'function' ? publicUrl() : publicUrl;
  if (!url) return undefined;
  const publicOrigin = new URL(url);
  return { id: publicOrigin.hostname, name: tenant.displayName, origins: [publicOrigin.origin] };
}
