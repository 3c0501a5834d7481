/**
 * The page frame shared by every sign-in page: tenant display name, one heading, an optional alert, the body. Works
 * without JavaScript; viewport meta and one small stylesheet make it usable on a phone.
 */
import { html, type SafeHtml } from '../html.ts';

export const STYLESHEET_PATH = '/signin/static/sign-in.css';

export interface Alert {
  readonly message: string;
  /** Shown so a user can quote it to the help desk; also in the operator's log line. */
  readonly correlationId?: string;
}

export interface LayoutInput {
  readonly title: string;
  /** The tenant's display name; absent on pages where the tenant is unknown. */
  readonly tenantDisplayName?: string;
  readonly alert?: Alert;
  readonly body: SafeHtml;
  /** A script of this origin (the WebAuthn pages only; the route must send a CSP that allows it). */
  readonly scriptSrc?: string;
}

export function alertBlock(alert: Alert | undefined): SafeHtml {
  if (!alert) return html``;
  // role="alert" makes screen readers announce the message as soon as the page loads (WAI-ARIA 1.2 alert role).
  return html`<div class="alert" role="alert" id="alert"><p>${alert.message}</p>${
    alert.correlationId ? html`<p class="ref">Reference: <code>${alert.correlationId}</code></p>` : ''
  }</div>`;
}

export function layout(input: LayoutInput): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title}${input.tenantDisplayName ? ` - ${input.tenantDisplayName}` : ''}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
${input.scriptSrc ? html`<script src="${input.scriptSrc}" defer></script>` : ''}
</head>
<body>
<main class="card" aria-labelledby="title">
${input.tenantDisplayName ? html`<p class="tenant">${input.tenantDisplayName}</p>` : ''}
<h1 id="title">${input.title}</h1>
${alertBlock(input.alert)}
${input.body}
</main>
</body>
</html>
`.value;
}

export const STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:100%;line-height:1.5;color:#1b1b1f;background:#f3f4f6}
body{margin:0;padding:1rem;display:flex;justify-content:center}
.card{width:100%;max-width:26rem;margin-top:2rem;padding:1.5rem;background:#fff;border:1px solid #d1d5db;border-radius:.5rem}
.tenant{margin:0;color:#4b5563;font-weight:600}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=email],input[type=password]{display:block;width:100%;margin-top:.25rem;padding:.6rem;font-size:1rem;border:1px solid #6b7280;border-radius:.25rem;background:#fff;color:inherit}
input:focus,button:focus,a:focus{outline:3px solid #2563eb;outline-offset:2px}
button{margin-top:1.5rem;width:100%;padding:.7rem;font-size:1rem;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:.25rem;cursor:pointer}
button.secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8;margin-top:.75rem}
.alert{border-left:4px solid #b91c1c;background:#fef2f2;color:#7f1d1d;padding:.5rem .75rem;margin:0 0 1rem}
.alert p{margin:.25rem 0}
.ref{font-size:.875rem}
.hint{font-size:.875rem;color:#4b5563;margin:.25rem 0 0}
ul.scopes{padding-left:1.25rem}
.qr svg{display:block;width:12rem;height:12rem;margin:.5rem auto}
ul.codes{list-style:none;padding:0;display:grid;grid-template-columns:repeat(2,1fr);gap:.25rem .75rem;font-size:1.05rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
`;
