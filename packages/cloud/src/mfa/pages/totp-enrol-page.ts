import { html, SafeHtml } from '../../sign-in/html.ts';
import { type Alert, layout } from '../../sign-in/pages/layout.ts';

export interface TotpEnrolPageInput {
  readonly tenantDisplayName: string;
  /** POST target; the form sends `csrf` and `otp` (the first code from the app). */
  readonly action: string;
  readonly abortAction: string;
  readonly csrfToken: string;
  /** From createTotpEnrolment / MfaService.beginTotpEnrolment. */
  readonly qrSvg: string;
  readonly secretBase32: string;
  readonly uri: string;
  /** GET target of the security-key set-up, when the cloud offers WebAuthn. */
  readonly securityKeyHref?: string;
  readonly alert?: Alert;
}

/**
 * Set-up of an authenticator app: the QR code inline as SVG (the sign-in CSP allows no data: images and no script),
 * the key as text for manual entry (grouped by four for reading), and the first code to prove it works.
 */
export function totpEnrolPage(input: TotpEnrolPageInput): string {
  if (!/^<svg[\s>]/.test(input.qrSvg.trim()))
    throw new Error('qrSvg must be the SVG document from createTotpEnrolment');
  const grouped = input.secretBase32.match(/.{1,4}/g)?.join(' ') ?? input.secretBase32;
  return layout({
    title: 'Set up your authenticator app',
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    body: html`<p>Your organisation requires a second step when you sign in. Scan this code with an authenticator app
(Microsoft Authenticator, Google Authenticator, FreeOTP, 1Password, ...).</p>
<div class="qr" role="img" aria-label="QR code for the authenticator app">${new SafeHtml(input.qrSvg)}</div>
<p class="hint">Cannot scan? Enter this key in the app (time-based):</p>
<p><code id="secret">${grouped}</code></p>
<p class="hint"><a href="${input.uri}">Open in an authenticator app on this device</a></p>
<form method="post" action="${input.action}" novalidate>
<input type="hidden" name="csrf" value="${input.csrfToken}">
<label for="code">Code shown by the app</label>
<input type="text" id="code" name="otp" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" required maxlength="8" autofocus>
<button type="submit">Verify and continue</button>
</form>
${input.securityKeyHref ? html`<p class="hint"><a href="${input.securityKeyHref}">Use a security key or passkey instead</a></p>` : ''}
<form method="post" action="${input.abortAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  });
}
