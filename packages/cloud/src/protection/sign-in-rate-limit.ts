import type { FastifyReply, FastifyRequest } from 'fastify';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { sourceNetwork } from './source-network.ts';

/**
 * Rate limits on the sign-in endpoint, per client address and per tenant, answered with 429 and Retry-After
 * (RFC 6585 section 4, RFC 9110 section 10.2.3). This protects the agents and the directory from floods; smart
 * lockout protects individual accounts. IPv6 clients are limited per /64, because one host can use a whole /64.
 *
 * Memory store now (one cloud process). rate-limiter-flexible's Redis and PostgreSQL stores implement the same
 * RateLimiterAbstract API, so a shared store is a change of the `createLimiter` option only.
 */
export const signInRateLimitConfigSchema = z.strictObject({
  perIp: z
    .strictObject({
      points: z.number().int().min(1).default(30),
      durationSeconds: z.number().int().min(1).default(60),
    })
    .default({ points: 30, durationSeconds: 60 }),
  perTenant: z
    .strictObject({
      points: z.number().int().min(1).default(3000),
      durationSeconds: z.number().int().min(1).default(60),
    })
    .default({ points: 3000, durationSeconds: 60 }),
});

export type SignInRateLimitConfig = z.output<typeof signInRateLimitConfigSchema>;

export type RateLimitDecision =
  | { allowed: true }
  | { allowed: false; scope: 'ip' | 'tenant'; retryAfterSeconds: number };

export interface SignInRateLimiterOptions {
  config?: z.input<typeof signInRateLimitConfigSchema>;
  /** Builds the limiter for a scope; default an in-memory limiter. */
  createLimiter?: (scope: 'ip' | 'tenant', points: number, durationSeconds: number) => RateLimiterAbstract;
}

export class SignInRateLimiter {
  readonly config: SignInRateLimitConfig;
  readonly #perIp: RateLimiterAbstract;
  readonly #perTenant: RateLimiterAbstract;

  constructor(options: SignInRateLimiterOptions = {}) {
    this.config = signInRateLimitConfigSchema.parse(options.config ?? {});
    const create =
      options.createLimiter ??
      ((scope, points, duration) => new RateLimiterMemory({ keyPrefix: `openpta-sign-in-${scope}`, points, duration }));
    this.#perIp = create('ip', this.config.perIp.points, this.config.perIp.durationSeconds);
    this.#perTenant = create('tenant', this.config.perTenant.points, this.config.perTenant.durationSeconds);
  }

  /**
   * Takes one point from the client's and the tenant's budget. The tenant is charged only when the client was not
   * refused, so one noisy client cannot spend the whole tenant's budget beyond its own limit.
   */
  async consume(request: { tenantId: string; ip: string }): Promise<RateLimitDecision> {
    const ipRefused = await this.#take(this.#perIp, clientKey(request.ip));
    if (ipRefused !== undefined) return { allowed: false, scope: 'ip', retryAfterSeconds: ipRefused };
    const tenantRefused = await this.#take(this.#perTenant, request.tenantId);
    if (tenantRefused !== undefined) return { allowed: false, scope: 'tenant', retryAfterSeconds: tenantRefused };
    return { allowed: true };
  }

  async #take(limiter: RateLimiterAbstract, key: string): Promise<number | undefined> {
    try {
      await limiter.consume(key);
      return undefined;
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the budget is spent, with an Error on store failure.
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  }
}

/** The key a client is limited under: the address for IPv4, the /64 for IPv6. */
export function clientKey(ip: string): string {
  const network = sourceNetwork(ip);
  return network.endsWith('/64') ? network : network === 'unknown' ? `raw:${ip}` : ip.replace(/^::ffff:/i, '');
}

/**
 * A Fastify preHandler for the sign-in POST route: answers 429 with Retry-After when a budget is spent.
 * `tenantIdOf` reads the tenant from the request (for example from the route's tenant parameter).
 */
export function signInRateLimitHook(limiter: SignInRateLimiter, tenantIdOf: (request: FastifyRequest) => string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const decision = await limiter.consume({ tenantId: tenantIdOf(request), ip: request.ip });
    if (decision.allowed) return;
    await reply
      .code(429)
      .header('retry-after', String(decision.retryAfterSeconds))
      .type('text/plain; charset=utf-8')
      .send(`Too many sign-in attempts. Try again in ${decision.retryAfterSeconds} seconds.`);
  };
}
