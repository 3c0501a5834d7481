export type StoreErrorCode = 'invalid_database_url' | 'migration_failed';

/** A storage failure the operator can act on. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
