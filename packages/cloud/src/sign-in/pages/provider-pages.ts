/**
 * The pages oidc-provider renders itself (error page, RP-initiated logout confirmation and success), in the same
 * frame as the sign-in pages. oidc-provider's error `out` holds only OAuth error codes and descriptions meant for
 * display (its errors set `expose`); they are escaped anyway.
 */
import { html, trusted } from '../html.ts';
import { layout } from './layout.ts';

export function providerErrorPage(out: { error?: string; error_description?: string }, tenantDisplayName: string) {
  return layout({
    title: 'Sign-in request not valid',
    tenantDisplayName,
    alert: { message: out.error_description ?? 'The request could not be processed.' },
    body: html`<p>Error code: <code>${out.error ?? 'server_error'}</code>. Go back to the application and start again.</p>`,
  });
}

/** `form` is oidc-provider's own logout form (an xsrf token and hidden inputs), submitted by the buttons below. */
export function logoutPage(form: string, tenantDisplayName: string): string {
  return layout({
    title: 'Sign out?',
    tenantDisplayName,
    body: html`${trusted(form)}
<p>Do you want to sign out of ${tenantDisplayName}?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  });
}

export function logoutSuccessPage(tenantDisplayName: string): string {
  return layout({
    title: 'Signed out',
    tenantDisplayName,
    body: html`<p>You have signed out. You can close this window.</p>`,
  });
}
