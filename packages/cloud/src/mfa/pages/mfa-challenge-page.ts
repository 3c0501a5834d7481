import { html } from '../../sign-in/html.ts';
import { type Alert, layout } from '../../sign-in/pages/layout.ts';
import type { MfaMethod } from '../amr.ts';

export interface MfaChallengePageInput {
  readonly tenantDisplayName: string;
  /** POST target; the form sends `csrf`, `method` (totp or recovery_code) and `code`. */
  readonly action: string;
  readonly abortAction: string;
  readonly csrfToken: string;
  /** The user's enrolled methods, from decideMfa(). `webauthn` needs the script-enabled page (not rendered here). */
  readonly methods: readonly MfaMethod[];
  /** Show the recovery-code form instead of the app-code form (after "Use a recovery code"). */
  readonly useRecoveryCode?: boolean;
  /** GET target that switches to the recovery-code form. */
  readonly recoveryHref?: string;
  readonly alert?: Alert;
}

/**
 * The second-factor page after an accepted password: a code from the authenticator app, or a recovery code. No
 * script. `autocomplete="one-time-code"` lets phones offer the code (HTML autofill detail tokens).
 */
export function mfaChallengePage(input: MfaChallengePageInput): string {
  const recovery = input.useRecoveryCode === true || !input.methods.includes('totp');
  const form = recovery
    ? html`<input type="hidden" name="method" value="recovery_code">
<label for="code">Recovery code</label>
<input type="text" id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="32" autofocus aria-describedby="code-hint">
<p class="hint" id="code-hint">One of the recovery codes you saved when you set up the authenticator app. Each works once.</p>`
    : html`<input type="hidden" name="method" value="totp">
<label for="code">Code from your authenticator app</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" required maxlength="8" autofocus aria-describedby="code-hint">
<p class="hint" id="code-hint">Open the authenticator app and enter the 6-digit code for this account.</p>`;
  const switchLink =
    !recovery && input.methods.includes('recovery_code') && input.recoveryHref
      ? html`<p class="hint"><a href="${input.recoveryHref}">Use a recovery code instead</a></p>`
      : '';
  return layout({
    title: 'Verify it is you',
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    body: html`<form method="post" action="${input.action}" novalidate>
<input type="hidden" name="csrf" value="${input.csrfToken}">
${form}
<button type="submit">Verify</button>
</form>
${switchLink}
<form method="post" action="${input.abortAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  });
}
