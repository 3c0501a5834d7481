/**
 * The one script of the sign-in pages, served from the cloud's own origin (CSP `script-src 'self'`, never inline):
 * WebAuthn needs `navigator.credentials`, which no HTML form can reach. It reads the ceremony options the server put
 * in the form's `data-options` (JSON; PublicKeyCredential*OptionsJSON), runs the ceremony when the user presses the
 * button, writes the result as JSON into the hidden `response` field and submits the form: the verification and
 * everything after it stay server side, and the page works with a plain form post. Without the script (or without
 * WebAuthn in the browser) the button does nothing and the status line says why.
 */
export const WEBAUTHN_SCRIPT_PATH = '/signin/static/webauthn.js';

export const WEBAUTHN_SCRIPT = `'use strict';
(() => {
  const form = document.querySelector('form[data-webauthn]');
  if (!form) return;
  const button = form.querySelector('button[data-webauthn-start]');
  const status = document.getElementById('webauthn-status');
  const say = (text) => { if (status) status.textContent = text; };
  if (!window.PublicKeyCredential || !navigator.credentials) {
    say('This browser cannot use security keys or passkeys here.');
    if (button) button.disabled = true;
    return;
  }
  const b64 = (buf) => {
    let s = '';
    for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
    return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
  };
  const unb64 = (s) => Uint8Array.from(atob(s.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));
  const ids = (list) => (list || []).map((c) => ({ ...c, id: unb64(c.id) }));
  const kind = form.dataset.webauthn;
  const options = JSON.parse(form.dataset.options);
  async function ceremony() {
    if (kind === 'create') {
      const cred = await navigator.credentials.create({ publicKey: {
        ...options, challenge: unb64(options.challenge), user: { ...options.user, id: unb64(options.user.id) },
        excludeCredentials: ids(options.excludeCredentials) } });
      return { id: cred.id, rawId: b64(cred.rawId), type: cred.type,
        authenticatorAttachment: cred.authenticatorAttachment || undefined, clientExtensionResults: {},
        response: { clientDataJSON: b64(cred.response.clientDataJSON),
          attestationObject: b64(cred.response.attestationObject),
          transports: cred.response.getTransports ? cred.response.getTransports() : [] } };
    }
    const cred = await navigator.credentials.get({ publicKey: {
      ...options, challenge: unb64(options.challenge), allowCredentials: ids(options.allowCredentials) } });
    return { id: cred.id, rawId: b64(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined, clientExtensionResults: {},
      response: { clientDataJSON: b64(cred.response.clientDataJSON),
        authenticatorData: b64(cred.response.authenticatorData), signature: b64(cred.response.signature),
        userHandle: cred.response.userHandle ? b64(cred.response.userHandle) : undefined } };
  }
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    button.disabled = true;
    say('Follow the instructions of your browser or security key.');
    try {
      form.elements.response.value = JSON.stringify(await ceremony());
      form.submit();
    } catch (error) {
      button.disabled = false;
      say(error && error.name === 'InvalidStateError'
        ? 'This security key is already registered.'
        : 'The security key did not answer, or you cancelled. Try again.');
    }
  });
})();
`;
