export { type Corkable, type CorkableWebSocket, sendCorked } from './corked-send.ts';
export { batchHoldMs, DEFAULT_FRAME_BATCHING, type FrameBatching } from './frame-batching.ts';
export { encodeTextFrame } from './text-frame.ts';
