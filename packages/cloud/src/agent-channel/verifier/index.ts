export { type ChannelVerifier, type ChannelVerifierOptions, createChannelVerifier } from './channel-verifier.ts';
export { checkCredentialInput, usernameDomain } from './input.ts';
