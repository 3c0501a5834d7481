/**
 * An agent's envelope public key as a connection holds it: the base64url `x` only, imported into a KeyObject at the
 * first request sealed to the agent. An idle agent never gets one, and the imported form (KeyObject with its native
 * key, JWK object, thumbprint) cost about 0.4 KiB of V8 heap per connection plus native memory (issue 5 (d),
 * 10,000 idle agents). The stored JWK is still fully checked when the connection authenticates.
 */

import type { KeyObject } from 'node:crypto';
import { type EnvelopePublicJwk, type EnvelopePublicKey, importEnvelopePublicKey } from '@openpta/protocol';

export class LazyEnvelopePublicKey implements EnvelopePublicKey {
  readonly #x: string;
  #imported: EnvelopePublicKey | undefined;

  /** `checked` is the key as imported (and validated) at authentication; only its `x` is kept. */
  constructor(checked: EnvelopePublicKey) {
    this.#x = checked.jwk.x;
  }

  #key(): EnvelopePublicKey {
    this.#imported ??= importEnvelopePublicKey({ kty: 'OKP', crv: 'X25519', x: this.#x });
    return this.#imported;
  }

  get kid(): string {
    return this.#key().kid;
  }
  get keyObject(): KeyObject {
    return this.#key().keyObject;
  }
  get jwk(): EnvelopePublicJwk {
    return this.#key().jwk;
  }
}
