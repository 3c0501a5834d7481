export {
  ENVELOPE_PURPOSES,
  ENVELOPE_TYP,
  type EnvelopeBinding,
  type EnvelopeClaims,
  type EnvelopePurpose,
  type EnvelopeSecret,
  envelopeClaimsSchema,
} from './claims.ts';
export { EnvelopeKeyCache } from './key-cache.ts';
export { type OpenEnvelopeOptions, type OpenEnvelopeResult, openEnvelope } from './open.ts';
export { ReplayCache } from './replay-cache.ts';
export {
  createEnvelopeSealer,
  type EnvelopeRecipient,
  type EnvelopeSealer,
  type EnvelopeSealerOptions,
  sealEnvelope,
  sealEnvelopes,
} from './seal.ts';
export {
  type EnvelopeKeyPair,
  type EnvelopePublicJwk,
  type EnvelopePublicKey,
  envelopeKeyThumbprint,
  envelopePublicJwkSchema,
  generateEnvelopeKeyPair,
  importEnvelopePublicKey,
} from './x25519-key.ts';
