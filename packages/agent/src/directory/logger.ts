/**
 * The agent's logger: structured JSON (pino) with every password-bearing field redacted, as a second line of
 * defence; the validator never hands a password to the logger in the first place.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  'oldPassword',
  'newPassword',
  '*.password',
  '*.oldPassword',
  '*.newPassword',
  'serviceAccount.password',
  'directory.serviceAccount.password',
];

export function createAgentLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'openpta-agent',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}

export type { Logger };
