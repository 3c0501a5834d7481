import { readFileSync } from 'node:fs';
import type { CloudContext, CloudPlugin } from '../../context.ts';
import type { ServerTls } from '../../tls/load-tls.ts';
import { adminAgentRoutes } from './admin-agent-routes.ts';
import { type AgentRegistry, createAgentRegistry } from './agent-registry.ts';
import type { AgentIdentitySettings } from './defaults.ts';
import { registrationRoutes } from './registration-routes.ts';

const registries = new WeakMap<CloudContext, AgentRegistry>();

export interface AgentIdentityPluginOptions {
  settings?: Partial<AgentIdentitySettings>;
  now?: () => number;
}

/**
 * The agent registry of one cloud app, created on first use. The gateway plugin and the identity routes share it
 * (the same `revoked` events): call getAgentRegistry(ctx) from any plugin.
 */
export function getAgentRegistry(ctx: CloudContext, options: AgentIdentityPluginOptions = {}): AgentRegistry {
  let registry = registries.get(ctx);
  if (!registry) {
    registry = createAgentRegistry({
      db: ctx.store.db,
      secretBox: ctx.secretBox,
      serverTrustAnchorPem: serverTrustAnchorPem(ctx.tls),
      // The operator's config (agents.* in the config file or OPENPTA_AGENTS_*), then the plugin's own (tests).
      settings: { ...ctx.config.agents, ...options.settings },
      now: options.now,
    });
    registries.set(ctx, registry);
  }
  return registry;
}

/**
 * The CA certificate agents pin: the configured CA file (dev CA or tls.caFile), otherwise the last certificate of the
 * served chain (an operator's chain should end with its CA; the agent then needs it in the chain or --cloud-ca).
 */
export function serverTrustAnchorPem(tls: Pick<ServerTls, 'cert' | 'caFile'>): string {
  if (tls.caFile) return readFileSync(tls.caFile, 'utf8');
  const blocks = tls.cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const last = blocks.at(-1);
  if (!last) throw new Error('the TLS certificate chain holds no certificate');
  return `${last}\n`;
}

/** Registration/renewal routes (/agent/v1/...) and the agents admin API (/admin/api/v1/...). */
export function agentIdentityPlugin(options: AgentIdentityPluginOptions = {}): CloudPlugin {
  return {
    name: 'agent-identity',
    async register(app, ctx) {
      const registry = getAgentRegistry(ctx, options);
      await app.register(async (scope) => registrationRoutes(scope, registry));
      await app.register(async (scope) => adminAgentRoutes(scope, ctx, registry));
    },
  };
}
