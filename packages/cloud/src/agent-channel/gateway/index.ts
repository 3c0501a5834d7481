export { AgentConnection } from './agent-connection.ts';
export {
  AGENT_CONNECT_PATH,
  type AgentConnectionEvent,
  type AgentGateway,
  type AgentGatewayOptions,
  type ConnectedIdentity,
  createAgentGateway,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  type DrainOptions,
  type RetireAgentOptions,
} from './gateway.ts';
export type {
  AgentActivity,
  AgentIdentity,
  AuthenticateAgent,
  AuthenticationResult,
  ChannelAnswer,
  ChannelRequest,
} from './types.ts';
