import { failure, type ProtocolFailure } from '../errors.ts';
import { FAST_FRAME_CHECKS } from './fast-checks.ts';
import {
  AGENT_FRAME_TYPES,
  type AgentFrame,
  CLOUD_FRAME_TYPES,
  type CloudFrame,
  FRAME_SCHEMAS,
  type Frame,
  type FrameType,
} from './frame.ts';

/** Default size limit: a validate-request with a 16 KiB envelope fits; anything larger is a bug or an attack. */
export const MAX_FRAME_BYTES = 64 * 1024;

export type ParseFrameOptions = {
  /** Refuse larger frames before parsing them. Default MAX_FRAME_BYTES. */
  maxBytes?: number;
  /** Who sent the frame: 'agent' accepts only agent frames, 'cloud' only cloud frames. Default: any. */
  from?: 'agent' | 'cloud';
};

export type ParseFrameResult<F extends Frame = Frame> = { ok: true; frame: F } | ProtocolFailure;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one WebSocket message into a typed frame. Never throws: every failure is a result with a stable code
 * (PROTOCOL_ERROR_CODES). Unknown fields are dropped; an unknown `type` is FRAME_UNKNOWN_TYPE, which a receiver should
 * log and ignore (newer peers may send frame types it does not know), while any other failure is a protocol error.
 */
export function parseFrame(
  input: string | Uint8Array,
  options: { from: 'agent'; maxBytes?: number },
): ParseFrameResult<AgentFrame>;
export function parseFrame(
  input: string | Uint8Array,
  options: { from: 'cloud'; maxBytes?: number },
): ParseFrameResult<CloudFrame>;
export function parseFrame(input: string | Uint8Array, options?: ParseFrameOptions): ParseFrameResult;
export function parseFrame(input: string | Uint8Array, options: ParseFrameOptions = {}): ParseFrameResult {
  const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
  let text: string;
  if (typeof input === 'string') {
    // A UTF-16 code unit encodes to at most 3 UTF-8 bytes: count bytes only when the cheap bound is inconclusive.
    if (input.length > maxBytes || (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes)) {
      return failure('FRAME_TOO_LARGE', `limit ${maxBytes} bytes`);
    }
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) return failure('FRAME_TOO_LARGE', `limit ${maxBytes} bytes`);
    try {
      text = decoder.decode(input);
    } catch {
      return failure('FRAME_NOT_TEXT');
    }
  } else {
    return failure('FRAME_NOT_TEXT');
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return failure('FRAME_INVALID_JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return failure('FRAME_NOT_OBJECT');

  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(FRAME_SCHEMAS, type)) {
    return failure('FRAME_UNKNOWN_TYPE', typeof type === 'string' ? JSON.stringify(type.slice(0, 64)) : 'no type');
  }
  const frameType = type as FrameType;
  if (options.from === 'agent' && !AGENT_FRAME_TYPES.has(frameType)) return failure('FRAME_WRONG_DIRECTION', type);
  if (options.from === 'cloud' && !CLOUD_FRAME_TYPES.has(frameType)) return failure('FRAME_WRONG_DIRECTION', type);

  // The frames of every sign-in take a hand-written check first; anything it is unsure of goes to zod (fast-checks.ts).
  const fast = FAST_FRAME_CHECKS[frameType]?.(value as Record<string, unknown>);
  if (fast !== undefined) return { ok: true, frame: fast as Frame };
  const parsed = FRAME_SCHEMAS[frameType].safeParse(value);
  if (!parsed.success) {
    // Name the first failing field but never echo values: a broken frame may still carry secrets.
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    return failure('FRAME_INVALID', `${type}: ${where}: ${issue?.code ?? 'invalid'}`);
  }
  return { ok: true, frame: parsed.data as Frame };
}

/** Serialises a frame for sending. Frames are plain JSON objects; this exists so both sides encode the same way. */
export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame);
}
