/**
 * The cloud package's error registry: one stable code per failure a caller can act on, with its HTTP status. The
 * global error handler (app.ts) sends `{ error: code, message }` for these; anything else becomes a 500 with a
 * correlation id and no detail. Feature owners add their codes here with a small edit.
 */
export const CLOUD_ERRORS = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  not_ready: 503,
} as const satisfies Record<string, number>;

export type CloudErrorCode = keyof typeof CLOUD_ERRORS;

export class CloudError extends Error {
  readonly code: CloudErrorCode;
  readonly status: number;
  /** Extra fields sent to the client (must never hold secrets). */
  readonly details: Record<string, unknown> | undefined;
  constructor(code: CloudErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CloudError';
    this.code = code;
    this.status = CLOUD_ERRORS[code];
    this.details = details;
  }
}

export const notFound = (what: string) => new CloudError('not_found', `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new CloudError('conflict', message, details);
export const invalidRequest = (message: string, details?: Record<string, unknown>) =>
  new CloudError('invalid_request', message, details);
