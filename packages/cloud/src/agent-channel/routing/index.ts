export { type AgentRouting, agentRoutingSchema, domainsForAgent } from './routing-settings.ts';
