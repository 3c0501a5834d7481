import { html } from '../html.ts';
import { type Alert, layout } from './layout.ts';

export interface MessagePageInput {
  readonly title: string;
  readonly tenantDisplayName?: string;
  readonly alert: Alert;
  /** A link back to the sign-in form, when trying again makes sense. */
  readonly retryHref?: string;
}

/** A dead end with an explanation: account states, expired interactions, bad requests. */
export function messagePage(input: MessagePageInput): string {
  return layout({
    title: input.title,
    tenantDisplayName: input.tenantDisplayName,
    alert: input.alert,
    body: input.retryHref ? html`<p><a href="${input.retryHref}">Try again</a></p>` : html``,
  });
}
