/**
 * Per-tenant agent routing (tenant settings key `agentRouting`): groups of agents that serve given domains (UPN
 * suffixes). A request for user@domain goes only to agents serving that domain.
 *
 *   agentRouting:
 *     groups:
 *       - { name: emea, domains: [emea.example.com], agents: [<agent id>, ...] }
 *     unassignedAgents: all   # default: an agent in no group serves every domain; `none`: it serves none
 *
 * Multi-forest tenants use this so one forest's agents never validate another forest's users (an Entra limitation).
 */
import { z } from 'zod';

export const agentRoutingSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(64),
        domains: z.array(z.string().min(1).max(255).toLowerCase()).max(256),
        agents: z.array(z.string().min(1).max(128)).max(1000),
      }),
    )
    .max(100)
    .default([]),
  unassignedAgents: z.enum(['all', 'none']).default('all'),
});

export type AgentRouting = z.output<typeof agentRoutingSchema>;

/**
 * The domains an agent serves: undefined = all of the tenant's domains; an empty set = none. An agent in several
 * groups serves the union of their domains. Invalid settings fail closed (the agent serves nothing) so a typo in
 * routing can never send one forest's passwords to another forest's agent.
 */
export function domainsForAgent(settings: unknown, agentId: string): ReadonlySet<string> | undefined {
  const raw = (settings as { agentRouting?: unknown } | null)?.agentRouting;
  if (raw === undefined) return undefined;
  const parsed = agentRoutingSchema.safeParse(raw);
  if (!parsed.success) return new Set();
  const groups = parsed.data.groups.filter((g) => g.agents.includes(agentId));
  if (groups.length === 0) return parsed.data.unassignedAgents === 'all' ? undefined : new Set();
  return new Set(groups.flatMap((g) => g.domains));
}
