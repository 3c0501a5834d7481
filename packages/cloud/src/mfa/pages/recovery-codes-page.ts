import { html } from '../../sign-in/html.ts';
import { layout } from '../../sign-in/pages/layout.ts';

export interface RecoveryCodesPageInput {
  readonly tenantDisplayName: string;
  readonly codes: readonly string[];
  /** POST target that finishes the sign-in; the form sends `csrf`. */
  readonly continueAction: string;
  readonly csrfToken: string;
}

/** Shows the recovery codes once, right after the authenticator app was confirmed. */
export function recoveryCodesPage(input: RecoveryCodesPageInput): string {
  return layout({
    title: 'Save your recovery codes',
    tenantDisplayName: input.tenantDisplayName,
    body: html`<p>If you lose your phone, each of these codes signs you in once instead of a code from the app.
Store them somewhere safe now: they are not shown again.</p>
<ul class="codes">${input.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<form method="post" action="${input.continueAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit">I have saved them, continue</button>
</form>`,
  });
}
