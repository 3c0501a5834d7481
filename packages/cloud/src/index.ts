/** @openpta/cloud public surface. */
export * from './admin/index.ts';
export * from './agent-channel/index.ts';
export { buildCloudApp, type CloudApp, type CloudDeps } from './app.ts';
export * from './config/index.ts';
export type { CloudContext, CloudPlugin } from './context.ts';
export { CLOUD_ERRORS, CloudError, type CloudErrorCode } from './errors.ts';
export * from './memory-profile.ts';
export * from './observability/index.ts';
export { handleShutdownSignals, type RunningCloud, type StartOptions, startCloud } from './start.ts';
export * from './store/index.ts';
export * from './tenants/index.ts';
export * from './tls/index.ts';
