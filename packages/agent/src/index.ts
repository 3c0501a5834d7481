/**
 * @openpta/agent public surface. The directory side: createDirectoryValidator(config, {logger}) ->
 * { validate, changePassword, health, close, metrics }, and the configuration loader.
 */

export * from './channel/index.ts';
export * from './config/index.ts';
export * from './directory/index.ts';
export * from './identity/index.ts';
export * from './run/index.ts';
