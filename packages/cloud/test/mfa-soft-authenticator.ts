/**
 * A software WebAuthn authenticator for unit tests: it builds real attestation objects ("none" format) and real
 * ES256 assertions, so the server-side verification runs unmodified. (The browser-level test with Chromium's virtual
 * authenticator comes with the sign-in pages.)
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly #keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  #counter = 0;
  readonly synced: boolean;

  constructor(options: { synced?: boolean } = {}) {
    this.synced = options.synced ?? false;
  }

  get id(): string {
    return this.credentialId.toString('base64url');
  }

  /** Answers navigator.credentials.create() for the given challenge. */
  register(input: { rpId: string; origin: string; challenge: string }): RegistrationResponseJSON {
    const jwk = this.#keys.publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]);
    const credIdLength = Buffer.alloc(2);
    credIdLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      this.#authDataHead(input.rpId, FLAG_AT),
      Buffer.alloc(16),
      credIdLength,
      this.credentialId,
      Buffer.from(isoCBOR.encode(cose)),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const clientDataJSON = this.#clientData('webauthn.create', input);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['usb'],
      },
      clientExtensionResults: {},
    };
  }

  /** Answers navigator.credentials.get() for the given challenge. `counter` overrides the signature counter. */
  assert(input: { rpId: string; origin: string; challenge: string; counter?: number }): AuthenticationResponseJSON {
    const authData = this.#authDataHead(input.rpId, 0, input.counter);
    const clientDataJSON = this.#clientData('webauthn.get', input);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
    const signature = sign('sha256', signed, this.#keys.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
      },
      clientExtensionResults: {},
    };
  }

  #authDataHead(rpId: string, extraFlags: number, counter?: number): Buffer {
    this.#counter = counter ?? this.#counter + 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.#counter);
    const flags = FLAG_UP | FLAG_UV | extraFlags | (this.synced ? FLAG_BE | FLAG_BS : 0);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), count]);
  }

  #clientData(type: string, input: { origin: string; challenge: string }): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge: input.challenge, origin: input.origin, crossOrigin: false }));
  }
}
