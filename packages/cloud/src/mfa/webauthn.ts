import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { ProtectionError } from '../protection/errors.ts';

/**
 * WebAuthn (W3C Web Authentication Level 3) security keys and passkeys as a second factor, on @simplewebauthn/server.
 * The challenge of each ceremony is the caller's to keep (in the sign-in interaction, server side) between the
 * options call and the verification; it is single use. No attestation is requested (`none`): openpta trusts the
 * user's own key, not a vendor list. User verification is "preferred", not required: the key is the second factor
 * after the directory password.
 */
export interface RelyingParty {
  /** The RP ID: the cloud's host name (or a registrable suffix of it). */
  id: string;
  name: string;
  /** Every origin the sign-in pages are served from, e.g. https://login.example.com. */
  origins: string[];
}

export interface StoredWebAuthnCredential {
  /** Credential id, base64url. */
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  /** `singleDevice` (hardware-bound: amr hwk) or `multiDevice` (synced passkey: amr swk). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

const TIMEOUT_MS = 120_000;

export async function webAuthnRegistrationOptions(input: {
  rp: RelyingParty;
  user: { id: string; name: string; displayName?: string };
  existing: readonly StoredWebAuthnCredential[];
}): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userName: input.user.name,
    userDisplayName: input.user.displayName ?? input.user.name,
    userID: new TextEncoder().encode(input.user.id),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    // Refuse registering the same authenticator twice (WebAuthn section 5.4, excludeCredentials).
    excludeCredentials: input.existing.map((c) => ({ id: c.id, transports: c.transports })),
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
  });
}

export async function verifyWebAuthnRegistration(input: {
  rp: RelyingParty;
  response: RegistrationResponseJSON;
  expectedChallenge: string;
}): Promise<StoredWebAuthnCredential> {
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.rp.origins,
      expectedRPID: input.rp.id,
      requireUserVerification: false,
    });
  } catch (cause) {
    throw new ProtectionError('ERR_WEBAUTHN_VERIFICATION_FAILED', 'the security key registration was not accepted', {
      cause,
    });
  }
  if (!verified.verified) {
    throw new ProtectionError('ERR_WEBAUTHN_VERIFICATION_FAILED', 'the security key registration was not accepted');
  }
  const info = verified.registrationInfo;
  return {
    id: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  };
}

export async function webAuthnAuthenticationOptions(input: {
  rp: RelyingParty;
  credentials: readonly StoredWebAuthnCredential[];
}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: input.rp.id,
    timeout: TIMEOUT_MS,
    allowCredentials: input.credentials.map((c) => ({ id: c.id, transports: c.transports })),
    userVerification: 'preferred',
  });
}

export type WebAuthnAssertionCheck =
  | { ok: true; credentialId: string; newCounter: number; deviceBound: boolean }
  | { ok: false; reason: 'unknown_credential' | 'invalid' };

/**
 * Verifies an assertion against the user's own credentials (one that belongs to someone else is `unknown_credential`).
 * On success store `newCounter`: @simplewebauthn/server refuses a counter that went backwards (a cloned key,
 * WebAuthn section 6.1.1).
 */
export async function verifyWebAuthnAssertion(input: {
  rp: RelyingParty;
  response: AuthenticationResponseJSON;
  expectedChallenge: string;
  credentials: readonly StoredWebAuthnCredential[];
}): Promise<WebAuthnAssertionCheck> {
  const credential = input.credentials.find((c) => c.id === input.response.id);
  if (!credential) return { ok: false, reason: 'unknown_credential' };
  try {
    const result = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.rp.origins,
      expectedRPID: input.rp.id,
      requireUserVerification: false,
      credential: {
        id: credential.id,
        publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
        counter: credential.counter,
        transports: credential.transports as AuthenticatorTransport[],
      },
    });
    if (!result.verified) return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      credentialId: credential.id,
      newCounter: result.authenticationInfo.newCounter,
      deviceBound: result.authenticationInfo.credentialDeviceType === 'singleDevice',
    };
  } catch {
    // Malformed responses, wrong challenge/origin/RP, bad signatures and counter regressions all end here.
    return { ok: false, reason: 'invalid' };
  }
}
