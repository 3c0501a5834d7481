import { html } from '../../sign-in/html.ts';
import { type Alert, layout } from '../../sign-in/pages/layout.ts';
import { securityKeyForm } from './security-key-form.ts';
import { WEBAUTHN_SCRIPT_PATH } from './webauthn-script.ts';

export interface SecurityKeyEnrolPageInput {
  readonly tenantDisplayName: string;
  /** POST target of the registration (sends `csrf`, `method=webauthn`, `response`). */
  readonly action: string;
  readonly abortAction: string;
  readonly csrfToken: string;
  /** From webAuthnRegistrationOptions(). */
  readonly options: unknown;
  /** GET target back to the authenticator-app set-up. */
  readonly appHref: string;
  readonly alert?: Alert;
}

/** Set-up of a security key or passkey as the second factor (the alternative to an authenticator app). */
export function securityKeyEnrolPage(input: SecurityKeyEnrolPageInput): string {
  return layout({
    title: 'Set up a security key',
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    scriptSrc: WEBAUTHN_SCRIPT_PATH,
    body: html`<p>Your organisation requires a second step when you sign in. Insert your security key (or use this
device's passkey) and press the button.</p>
${securityKeyForm({
  ceremony: 'create',
  action: input.action,
  csrfToken: input.csrfToken,
  options: input.options,
  buttonLabel: 'Register security key',
})}
<p class="hint"><a href="${input.appHref}">Use an authenticator app instead</a></p>
<form method="post" action="${input.abortAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  });
}
