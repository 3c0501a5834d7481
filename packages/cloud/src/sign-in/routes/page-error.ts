/** A refusal shown as a message page by the error handler (page-hooks.ts) with its own status. */
export class PageError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string, message: string) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

/** The interaction is unknown, expired, or not the one in the URL. */
export const EXPIRED = () =>
  new PageError(
    400,
    'Sign-in link not valid',
    'This sign-in page has expired or is not valid. Go back to the application and start signing in again.',
  );
