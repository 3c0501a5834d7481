/** One invalid setting, named the way the operator sets it. */
export interface ConfigIssue {
  field: string;
  message: string;
}

/** Thrown by loadCloudConfig; `message` lists every issue, each naming the field, the problem and where to set it. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], source?: string) {
    super(
      `invalid configuration${source ? ` (${source})` : ''}:\n${issues.map((i) => `  - ${i.field}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
