export { type BackoffOptions, backoffDelay } from './backoff.ts';
export {
  type ChannelClient,
  type ChannelClientOptions,
  type ChannelRequestFrame,
  type ChannelRequestHandler,
  type ChannelResponseFrame,
  type ChannelState,
  createChannelClient,
} from './client.ts';
export { openProxyTunnel, ProxyTunnelError, type ProxyTunnelOptions, proxyFromEnvironment } from './proxy-tunnel.ts';
