import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config/schema.ts';

/** Field names whose values never reach a log line, at any of the first three nesting levels. */
const SECRET_KEYS = [
  'password',
  'oldPassword',
  'newPassword',
  'otp',
  'secret',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'authorization',
  'cookie',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/** The service logger: JSON lines, secrets redacted (see REDACT_PATHS), ISO timestamps. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'openpta-cloud' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

export type { Logger };
