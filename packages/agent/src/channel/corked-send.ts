// One implementation for both ends of the channel: packages/protocol/src/transport/corked-send.ts.
export { sendCorked } from '@openpta/protocol';
