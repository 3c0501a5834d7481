/** The first steps of every interaction route: which tenant, provider and pending interaction the URL names. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { RouteDeps } from './deps.ts';
import { EXPIRED, PageError } from './page-error.ts';

export interface Params {
  tenant: string;
  uid: string;
}

export type ParamsRequest = FastifyRequest<{ Params: Params }>;

/** Loads the tenant, its provider and the pending interaction named in the URL (and bound to the cookie). */
export async function loadInteraction(deps: RouteDeps, request: ParamsRequest, reply: FastifyReply) {
  const tenant = await deps.options.tenants.getByName(request.params.tenant);
  if (!tenant) throw new PageError(404, 'Organisation not found', 'There is no organisation at this address.');
  const provider = await deps.options.registry.get(tenant);
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(request.raw, reply.raw);
  } catch {
    throw EXPIRED();
  }
  if (details.uid !== request.params.uid) throw EXPIRED();
  const base = `/signin/${tenant.name}/${details.uid}`;
  const ttlSeconds = details.exp - Date.now() / 1000;
  return { tenant, provider, details, base, ttlSeconds, token: deps.csrf.tokenFor(tenant.id, details.uid) };
}

export type Loaded = Awaited<ReturnType<typeof loadInteraction>>;

/** A form post: the interaction as above, and the CSRF token of this interaction in the body (403 page if not). */
export async function loadForm(deps: RouteDeps, request: ParamsRequest, reply: FastifyReply): Promise<Loaded> {
  const loaded = await loadInteraction(deps, request, reply);
  const presented = (request.body as { csrf?: unknown } | undefined)?.csrf;
  if (!deps.csrf.verify(loaded.tenant.id, loaded.details.uid, presented)) {
    throw new PageError(
      403,
      'Request not valid',
      'This form was not sent from the sign-in page, or it is out of date. Go back to the application and try again.',
    );
  }
  return loaded;
}
