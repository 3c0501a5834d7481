/**
 * WebAuthn second factor against a real browser: headless Chromium with a CDP virtual authenticator (CTAP2, USB)
 * registers a credential and signs in with it, through openpta's options and verification functions. The page and
 * its script live in this test: the sign-in pages get theirs during wiring. http://localhost is a secure context,
 * so the RP ID is `localhost`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { type BrowserContext, chromium } from 'playwright-core';
import {
  type RelyingParty,
  type StoredWebAuthnCredential,
  verifyWebAuthnAssertion,
  verifyWebAuthnRegistration,
  webAuthnAuthenticationOptions,
  webAuthnRegistrationOptions,
} from '../src/mfa/index.ts';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from './support/browser.ts';

const PAGE = `<!doctype html><meta charset="utf-8"><title>webauthn</title>
<script>
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const unb64 = (s) => Uint8Array.from(atob(s.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));
const post = async (url, body) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })).json();
window.register = async () => {
  const o = await post('/register/options');
  const cred = await navigator.credentials.create({ publicKey: {
    ...o, challenge: unb64(o.challenge), user: { ...o.user, id: unb64(o.user.id) },
    excludeCredentials: (o.excludeCredentials ?? []).map((c) => ({ ...c, id: unb64(c.id) })) } });
  return post('/register/verify', { id: cred.id, rawId: b64(cred.rawId), type: cred.type,
    response: { clientDataJSON: b64(cred.response.clientDataJSON), attestationObject: b64(cred.response.attestationObject),
      transports: cred.response.getTransports() }, clientExtensionResults: {} });
};
window.authenticate = async () => {
  const o = await post('/authenticate/options');
  const cred = await navigator.credentials.get({ publicKey: {
    ...o, challenge: unb64(o.challenge), allowCredentials: o.allowCredentials.map((c) => ({ ...c, id: unb64(c.id) })) } });
  return post('/authenticate/verify', { id: cred.id, rawId: b64(cred.rawId), type: cred.type,
    response: { clientDataJSON: b64(cred.response.clientDataJSON), authenticatorData: b64(cred.response.authenticatorData),
      signature: b64(cred.response.signature) }, clientExtensionResults: {} });
};
</script>`;

let app: FastifyInstance;
let context: BrowserContext;
let profile: string;
let origin: string;
const credentials: StoredWebAuthnCredential[] = [];

before(async () => {
  app = Fastify();
  let rp: RelyingParty | undefined;
  let challenge: string | undefined;
  const rpOf = () => rp!;
  // One pending challenge at a time, consumed by the verification (single use).
  const take = () => {
    const c = challenge;
    challenge = undefined;
    if (!c) throw new Error('no pending challenge');
    return c;
  };
  app.get('/', async (_request, reply) => reply.type('text/html').send(PAGE));
  app.post('/register/options', async () => {
    const options = await webAuthnRegistrationOptions({
      rp: rpOf(),
      user: { id: 'user-1', name: 'alice@contoso.test' },
      existing: credentials,
    });
    challenge = options.challenge;
    return options;
  });
  app.post('/register/verify', async (request) => {
    const credential = await verifyWebAuthnRegistration({
      rp: rpOf(),
      response: request.body as RegistrationResponseJSON,
      expectedChallenge: take(),
    });
    credentials.push(credential);
    return { ok: true, deviceType: credential.deviceType };
  });
  app.post('/authenticate/options', async () => {
    const options = await webAuthnAuthenticationOptions({ rp: rpOf(), credentials });
    challenge = options.challenge;
    return options;
  });
  app.post('/authenticate/verify', async (request) =>
    verifyWebAuthnAssertion({
      rp: rpOf(),
      response: request.body as AuthenticationResponseJSON,
      expectedChallenge: take(),
      credentials,
    }),
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  origin = address.replace('127.0.0.1', 'localhost');
  rp = { id: 'localhost', name: 'openpta test', origins: [origin] };
  profile = mkdtempSync(join(tmpdir(), 'openpta-webauthn-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...CHROMIUM_ARGS],
    headless: true,
    timeout: 30_000,
  });
});

after(async () => {
  await context?.close();
  await app?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('a security key registers and then passes as a second factor in Chromium (virtual authenticator)', async () => {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: false,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.goto(origin);
  const registered = await page.evaluate(() => (window as unknown as { register(): Promise<unknown> }).register());
  assert.deepEqual(registered, { ok: true, deviceType: 'singleDevice' });
  assert.equal(credentials.length, 1);

  const first = (await page.evaluate(() =>
    (window as unknown as { authenticate(): Promise<unknown> }).authenticate(),
  )) as { ok: boolean; newCounter: number; deviceBound: boolean; credentialId: string };
  assert.equal(first.ok, true);
  assert.equal(first.deviceBound, true, 'amr hwk');
  assert.equal(first.credentialId, credentials[0]!.id);

  // Registering the same authenticator again is refused by the browser (excludeCredentials).
  const again = await page.evaluate(() =>
    (window as unknown as { register(): Promise<unknown> }).register().then(
      () => 'registered',
      (error: Error) => error.name,
    ),
  );
  assert.equal(again, 'InvalidStateError');
  await page.close();
});
