export { type ChangePasswordPageInput, changePasswordPage } from './change-password-page.ts';
export { type ConsentPageInput, consentPage } from './consent-page.ts';
export { type ContinuePageInput, continuePage } from './continue-page.ts';
export { type Alert, STYLESHEET, STYLESHEET_PATH } from './layout.ts';
export { type MessagePageInput, messagePage } from './message-page.ts';
export { logoutPage, logoutSuccessPage, providerErrorPage } from './provider-pages.ts';
export { type SignInPageInput, signInPage } from './sign-in-page.ts';
