import { html } from '../../sign-in/html.ts';
import { type Alert, layout } from '../../sign-in/pages/layout.ts';
import type { MfaMethod } from '../amr.ts';
import { securityKeyForm } from './security-key-form.ts';
import { WEBAUTHN_SCRIPT_PATH } from './webauthn-script.ts';

export interface MfaChallengePageInput {
  readonly tenantDisplayName: string;
  /** POST target; the form sends `csrf`, `method` and `otp` (an app code) or `code` (a recovery code). */
  readonly action: string;
  readonly abortAction: string;
  readonly csrfToken: string;
  /** The user's enrolled methods, from decideMfa(). `webauthn` is offered only with `webAuthn` below. */
  readonly methods: readonly MfaMethod[];
  /**
   * Security key sign-in: the assertion options (webAuthnAuthenticationOptions) and where to post the result. The
   * page then loads the WebAuthn script: the route must send SIGN_IN_SCRIPT_CSP.
   */
  readonly webAuthn?: { readonly options: unknown; readonly action: string };
  /** Show the recovery-code form instead of the app-code form (after "Use a recovery code"). */
  readonly useRecoveryCode?: boolean;
  /** GET target that switches to the recovery-code form. */
  readonly recoveryHref?: string;
  readonly alert?: Alert;
}

/**
 * The second-factor page after an accepted password: a security key (with the WebAuthn script), a code from the
 * authenticator app, or a recovery code (these two without script). `autocomplete="one-time-code"` lets phones offer the code (HTML autofill detail tokens).
 */
export function mfaChallengePage(input: MfaChallengePageInput): string {
  const key = input.webAuthn && input.methods.includes('webauthn') && input.useRecoveryCode !== true;
  const recovery = input.useRecoveryCode === true || !input.methods.includes('totp');
  const codeForm = !key || input.methods.includes('totp');
  const form = recovery
    ? html`<input type="hidden" name="method" value="recovery_code">
<label for="code">Recovery code</label>
<input type="text" id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="32" autofocus aria-describedby="code-hint">
<p class="hint" id="code-hint">One of the recovery codes you saved when you set up the authenticator app. Each works once.</p>`
    : html`<input type="hidden" name="method" value="totp">
<label for="code">Code from your authenticator app</label>
<input type="text" id="code" name="otp" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" required maxlength="8" autofocus aria-describedby="code-hint">
<p class="hint" id="code-hint">Open the authenticator app and enter the 6-digit code for this account.</p>`;
  const switchLink =
    !(codeForm && recovery) && input.methods.includes('recovery_code') && input.recoveryHref
      ? html`<p class="hint"><a href="${input.recoveryHref}">Use a recovery code instead</a></p>`
      : '';
  return layout({
    title: 'Verify it is you',
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    scriptSrc: key ? WEBAUTHN_SCRIPT_PATH : undefined,
    body: html`${
      key
        ? securityKeyForm({
            ceremony: 'get',
            action: input.webAuthn!.action,
            csrfToken: input.csrfToken,
            options: input.webAuthn!.options,
            buttonLabel: 'Use your security key',
          })
        : ''
    }
${
  codeForm
    ? html`<form method="post" action="${input.action}" novalidate>
<input type="hidden" name="csrf" value="${input.csrfToken}">
${form}
<button type="submit">Verify</button>
</form>`
    : ''
}
${switchLink}
<form method="post" action="${input.abortAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  });
}
