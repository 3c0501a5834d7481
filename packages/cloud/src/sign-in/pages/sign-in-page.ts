import { html } from '../html.ts';
import { type Alert, layout } from './layout.ts';

export interface SignInPageInput {
  readonly tenantDisplayName: string;
  /** Form action (the interaction's login URL). */
  readonly action: string;
  readonly abortAction: string;
  readonly csrfToken: string;
  /** Pre-filled username (login_hint or the last attempt); never a password. */
  readonly username?: string;
  readonly alert?: Alert;
}

/** The sign-in form. Field names and autocomplete tokens are fixed (password managers rely on them). */
export function signInPage(input: SignInPageInput): string {
  // After an error with a known username, focus the password field: that is what the user retypes.
  const focusPassword = Boolean(input.alert && input.username);
  return layout({
    title: 'Sign in',
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    body: html`<form method="post" action="${input.action}" novalidate>
<input type="hidden" name="csrf" value="${input.csrfToken}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" inputmode="email" required maxlength="256" value="${input.username ?? ''}" aria-describedby="username-hint"${focusPassword ? '' : html` autofocus`}>
<p class="hint" id="username-hint">Your work account, for example name@example.com</p>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="256"${focusPassword ? html` autofocus` : ''}>
<button type="submit">Sign in</button>
</form>
<form method="post" action="${input.abortAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  });
}
