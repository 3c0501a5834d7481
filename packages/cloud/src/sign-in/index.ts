export { type Csrf, createCsrf } from './csrf.ts';
export { escapeHtml } from './html.ts';
export { SIGN_IN_REDACT_PATHS, signInLogger } from './logging.ts';
export { DIRECTORY_UNREACHABLE_MESSAGE, viewForOutcome, WRONG_CREDENTIALS_MESSAGE } from './outcome-view.ts';
export { type SignInRoutesOptions, signInRoutes } from './routes/index.ts';
export { SIGN_IN_CSP } from './security-headers.ts';
