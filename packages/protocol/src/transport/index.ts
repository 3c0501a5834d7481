export { type Corkable, type CorkableWebSocket, sendCorked } from './corked-send.ts';
