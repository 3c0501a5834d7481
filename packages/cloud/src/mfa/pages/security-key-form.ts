import { html, type SafeHtml } from '../../sign-in/html.ts';

export interface SecurityKeyFormInput {
  /** `get` signs in with an enrolled key; `create` registers a new one. */
  readonly ceremony: 'get' | 'create';
  /** POST target; the form sends `csrf`, `method=webauthn` and `response` (the ceremony's result as JSON). */
  readonly action: string;
  readonly csrfToken: string;
  /** PublicKeyCredentialRequestOptionsJSON / PublicKeyCredentialCreationOptionsJSON from mfa/webauthn.ts. */
  readonly options: unknown;
  readonly buttonLabel: string;
}

/**
 * The security-key form: the options travel in a data attribute (escaped; data, never executed), and
 * mfa/pages/webauthn-script.ts runs the ceremony on the button and submits the form. The status line is a live
 * region, so a screen reader hears "touch your key" and failures.
 */
export function securityKeyForm(input: SecurityKeyFormInput): SafeHtml {
  return html`<form method="post" action="${input.action}" data-webauthn="${input.ceremony}" data-options="${JSON.stringify(input.options)}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<input type="hidden" name="method" value="webauthn">
<input type="hidden" name="response" value="">
<button type="button" data-webauthn-start>${input.buttonLabel}</button>
<p class="hint" id="webauthn-status" role="status" aria-live="polite"></p>
</form>`;
}
