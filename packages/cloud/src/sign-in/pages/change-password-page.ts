import { html } from '../html.ts';
import { type Alert, layout } from './layout.ts';

export interface ChangePasswordPageInput {
  readonly tenantDisplayName: string;
  readonly action: string;
  readonly csrfToken: string;
  readonly username: string;
  readonly reason: 'password_expired' | 'password_must_change';
  readonly alert?: Alert;
}

/**
 * Password change inside the sign-in interaction. The current password is asked again on purpose: the cloud never
 * keeps a password between requests (not in the session, not in the store).
 */
export function changePasswordPage(input: ChangePasswordPageInput): string {
  const why =
    input.reason === 'password_expired'
      ? 'Your password has expired. Choose a new one to continue.'
      : 'Your organisation requires you to change your password before you continue.';
  return layout({
    title: 'Change your password',
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    body: html`<p id="why">${why}</p>
<form method="post" action="${input.action}" novalidate>
<input type="hidden" name="csrf" value="${input.csrfToken}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" value="${input.username}" readonly>
<label for="current-password">Current password</label>
<input type="password" id="current-password" name="currentPassword" autocomplete="current-password" required maxlength="256" autofocus>
<label for="new-password">New password</label>
<input type="password" id="new-password" name="newPassword" autocomplete="new-password" required maxlength="256">
<label for="confirm-password">Confirm new password</label>
<input type="password" id="confirm-password" name="confirmPassword" autocomplete="new-password" required maxlength="256">
<button type="submit">Change password and sign in</button>
</form>`,
  });
}
