/**
 * Every default of agent identity in one place (docs/PROTOCOL.md, "Agent identity"). Tests shorten them through
 * AgentRegistryOptions; operators through the agent-channel plugin options.
 */
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const AGENT_IDENTITY_DEFAULTS = {
  /** Agent client certificate lifetime. Entra uses 180 days; shorter limits what a stolen certificate is worth. */
  certificateValidityMs: 30 * DAY,
  /** The agent renews when this fraction of the validity has passed (2/3: 20 of 30 days, leaving 10 days of retries). */
  renewAtFraction: 2 / 3,
  /** Registration token lifetime when the admin gives none, and the longest allowed. */
  tokenTtlMs: 60 * MINUTE,
  maxTokenTtlMs: 7 * DAY,
  /** An agent counts as active when connected, or seen (a frame, a heartbeat) within this window. */
  activeWindowMs: 2 * MINUTE,
} as const;

export interface AgentIdentitySettings {
  certificateValidityMs: number;
  renewAtFraction: number;
  tokenTtlMs: number;
  maxTokenTtlMs: number;
  activeWindowMs: number;
}
