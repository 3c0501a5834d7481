export {
  type AgentSession,
  createDispatcher,
  DEFAULT_DISPATCH_TIMEOUT_MS,
  type Dispatcher,
  type DispatcherOptions,
  MAX_CREDITS_PER_CONNECTION,
} from './dispatcher.ts';
export type {
  AgentLink,
  AnswerRejection,
  ConnectedAgent,
  ConnectionStats,
  DispatchRequest,
  DispatchResult,
} from './types.ts';
