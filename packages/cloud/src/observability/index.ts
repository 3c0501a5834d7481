export { createLogger, type Logger, REDACT_PATHS } from './logger.ts';
export { type CloudMetrics, createMetrics } from './metrics.ts';
export { installRequestMetrics, observabilityRoutes } from './routes.ts';
