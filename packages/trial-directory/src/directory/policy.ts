/** Server-side rules that AD administrators configure: transport, lockout, password policy. */
export interface PasswordPolicy {
  /** AD default: 7. */
  readonly minLength: number;
  /** AD's "password must meet complexity requirements" (default on). */
  readonly complexity: boolean;
  /** Number of earlier passwords that may not be reused (AD default 24). */
  readonly historyLength: number;
}

export interface DirectoryPolicy {
  /** Accept simple binds with a password on an unencrypted connection (AD and Samba refuse them by default). */
  readonly allowPlainBind: boolean;
  /**
   * A simple bind with a name and an EMPTY password (RFC 4513 5.1.2 "unauthenticated bind"): 'reject' answers 49 with
   * data 52e as Samba 4.17 does (measured on the test bed); 'anonymous' lets it succeed as anonymous, as Windows
   * DCs do by default. An empty name with an empty password is always an anonymous bind (RFC 4513 5.1.1).
   */
  readonly unauthenticatedBind: 'reject' | 'anonymous';
  /** Wrong passwords before an account locks (0 = never, the AD default). */
  readonly lockoutThreshold: number;
  readonly passwordPolicy: PasswordPolicy;
  /**
   * The root DSE gives the constructed `tokenGroups` (the SIDs of the connection's security token) when asked for it
   * by name, as AD and Samba do. Off simulates a directory without it (the agent's verified attribute cache is then
   * not used).
   */
  readonly rootDseTokenGroups: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 7, complexity: true, historyLength: 24 };
