import { html } from '../html.ts';
import { layout } from './layout.ts';

export interface ContinuePageInput {
  readonly tenantDisplayName: string;
  readonly action: string;
  readonly csrfToken: string;
}

/** Shown when the recovery-code page is reloaded: the codes are never shown twice; only "continue" is left. */
export function continuePage(input: ContinuePageInput): string {
  return layout({
    title: 'You are verified',
    tenantDisplayName: input.tenantDisplayName,
    body: html`<p>Your authenticator app is set up.</p>
<form method="post" action="${input.action}">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<button type="submit" autofocus>Continue</button>
</form>`,
  });
}
