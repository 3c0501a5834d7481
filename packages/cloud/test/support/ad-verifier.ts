/**
 * The real credential path for sign-in tests: the agent's directory validator (@openpta/agent) against the Samba AD
 * test bed, behind the cloud's in-process CredentialVerifier. `unreachableVerifier` points the same code at a
 * loopback port nothing listens on (an infrastructure failure, never a wrong password).
 */

import { Writable } from 'node:stream';
import type { DirectoryValidator } from '@openpta/agent';
import { createAgentLogger, createDirectoryValidator, parseAgentConfig, resolveDirectoryConfig } from '@openpta/agent';
import { type AdTestbed, adTestbed } from '../../../../scripts/testbed/index.ts';
import type { CredentialVerifier } from '../../src/credentials/index.ts';
import { createInProcessVerifier } from '../../src/credentials/index.ts';

export interface AdVerifier {
  readonly ad: AdTestbed;
  readonly verifier: CredentialVerifier;
  readonly validator: DirectoryValidator;
  close(): Promise<void>;
}

function validatorFor(
  ad: AdTestbed,
  url: string,
  overrides: Record<string, unknown> = {},
  logLines?: string[],
): DirectoryValidator {
  const config = parseAgentConfig(
    {
      directory: {
        dcs: [{ url, serverName: ad.servername }],
        tls: { caFile: ad.caFile },
        baseDn: ad.baseDn,
        domain: ad.domain,
        serviceAccount: { bindDn: ad.users.service.upn, passwordEnv: 'TEST_SERVICE_PASSWORD' },
        ...overrides,
      },
      log: { level: 'silent' },
    },
    { env: {} },
  );
  return createDirectoryValidator(
    resolveDirectoryConfig(config.directory, { TEST_SERVICE_PASSWORD: ad.users.service.password }),
    {
      logger: logLines
        ? createAgentLogger({
            level: 'trace',
            destination: new Writable({
              write(chunk, _encoding, done) {
                logLines.push(...String(chunk).split('\n').filter(Boolean));
                done();
              },
            }),
          })
        : createAgentLogger({ level: 'silent' }),
    },
  );
}

/** `logLines`: capture the validator's own log lines (at trace level) there. */
export async function adVerifier(options: { logLines?: string[] } = {}): Promise<AdVerifier> {
  const ad = await adTestbed();
  const validator = validatorFor(ad, ad.ldapsUrl, {}, options.logLines);
  return {
    ad,
    validator,
    verifier: createInProcessVerifier({ validatorFor: () => validator }),
    close: () => validator.close(),
  };
}

/** The same validator pointed at a closed loopback port: every check is directory_unavailable. */
export async function unreachableVerifier(): Promise<AdVerifier> {
  const ad = await adTestbed();
  const validator = validatorFor(ad, 'ldaps://127.0.0.1:9', {
    timeouts: { connectMs: 500, operationMs: 1000, overallMs: 3000 },
  });
  return {
    ad,
    validator,
    verifier: createInProcessVerifier({ validatorFor: () => validator }),
    close: () => validator.close(),
  };
}
