/** What every operation handler receives and returns. */
import type { Logger } from 'pino';
import type { Directory, UserRecord } from '../directory/model.ts';
import type { DirectoryPolicy } from '../directory/policy.ts';
import type { Control, ResponseControl } from '../ldap/index.ts';

export interface Session {
  /** The bound user; undefined before a bind and after an anonymous (empty password) bind. */
  user: UserRecord | undefined;
  /** True after a successful anonymous bind (its token differs from that of a connection that never bound). */
  anonymousBind: boolean;
  /** True on LDAPS and after a successful StartTLS. */
  secure: boolean;
}

export interface OperationContext {
  readonly directory: Directory;
  readonly policy: DirectoryPolicy;
  readonly session: Session;
  readonly controls: readonly Control[];
  readonly logger: Logger;
  /** Host name the root DSE reports (dnsHostName). */
  readonly hostname: string;
}

export interface Response {
  readonly protocolOp: Buffer;
  readonly controls?: readonly ResponseControl[];
}

export interface OperationResult {
  readonly responses: readonly Response[];
  /** After the responses are written: upgrade to TLS (StartTLS) or close the connection (unbind). */
  readonly afterwards?: 'startTls' | 'close';
}
