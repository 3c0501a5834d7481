/**
 * One WebSocket text frame (RFC 6455 section 5.2), FIN set, no extension bits, as a single Buffer: header, masking key
 * (client to server only, section 5.3) and the UTF-8 payload, masked in place. Byte for byte what `ws` sends for
 * `send(text)` without compression; built here so a frame costs one allocation and one socket write instead of ws's
 * option objects, a separate payload Buffer and two writes (docs/PERFORMANCE.md, channel round 5b).
 */

import { randomFillSync } from 'node:crypto';

/** Masking keys come from a pool the CSPRNG fills 256 keys at a time (as in ws): 4 fresh random bytes each, used once. */
const MASK_POOL_BYTES = 4 * 256;
const maskPool = Buffer.alloc(MASK_POOL_BYTES);
let maskOffset = MASK_POOL_BYTES;

export function encodeTextFrame(text: string, mask: boolean): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  let header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const keyAt = header;
  if (mask) header += 4;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, length, 'utf8');
  if (!mask) return frame;
  frame[1] |= 0x80;
  if (maskOffset === MASK_POOL_BYTES) {
    randomFillSync(maskPool);
    maskOffset = 0;
  }
  const k0 = maskPool[maskOffset]!;
  const k1 = maskPool[maskOffset + 1]!;
  const k2 = maskPool[maskOffset + 2]!;
  const k3 = maskPool[maskOffset + 3]!;
  maskOffset += 4;
  frame[keyAt] = k0;
  frame[keyAt + 1] = k1;
  frame[keyAt + 2] = k2;
  frame[keyAt + 3] = k3;
  let i = header;
  const end = header + length;
  for (; i + 4 <= end; i += 4) {
    frame[i] = frame[i]! ^ k0;
    frame[i + 1] = frame[i + 1]! ^ k1;
    frame[i + 2] = frame[i + 2]! ^ k2;
    frame[i + 3] = frame[i + 3]! ^ k3;
  }
  // At most three bytes are left; they take the key's first bytes (the payload started at key offset 0).
  if (i < end) frame[i] = frame[i]! ^ k0;
  if (i + 1 < end) frame[i + 1] = frame[i + 1]! ^ k1;
  if (i + 2 < end) frame[i + 2] = frame[i + 2]! ^ k2;
  return frame;
}
