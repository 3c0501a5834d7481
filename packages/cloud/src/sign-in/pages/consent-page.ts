import { html } from '../html.ts';
import { layout } from './layout.ts';

export interface ConsentPageInput {
  readonly tenantDisplayName: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly action: string;
  readonly abortAction: string;
  readonly csrfToken: string;
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'Your name and username',
  email: 'Your email address',
  groups: 'Your group memberships',
  offline_access: 'Keep access while you are away',
};

/** Shown only to third-party clients (settings.firstParty = false); first-party clients skip it. */
export function consentPage(input: ConsentPageInput): string {
  return layout({
    title: 'Allow access?',
    tenantDisplayName: input.tenantDisplayName,
    body: html`<p><strong>${input.clientName}</strong> asks to:</p>
<ul class="scopes">${input.scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? s}</li>`)}</ul>
<form method="post" action="${input.action}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" autofocus>Allow</button>
</form>
<form method="post" action="${input.abortAction}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" class="secondary">Deny</button>
</form>`,
  });
}
