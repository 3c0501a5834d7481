export { type Corkable, type CorkableWebSocket, sendCorked } from './corked-send.ts';
export { encodeTextFrame } from './text-frame.ts';
