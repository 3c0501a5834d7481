import { z } from 'zod';
import {
  changePasswordRequestFrameSchema,
  changePasswordResponseFrameSchema,
  validateRequestFrameSchema,
  validateResponseFrameSchema,
} from './request-frames.ts';
import {
  creditFrameSchema,
  errorFrameSchema,
  helloFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  reconnectFrameSchema,
  welcomeFrameSchema,
} from './session-frames.ts';

/** Every frame schema by its `type`. */
export const FRAME_SCHEMAS = {
  hello: helloFrameSchema,
  welcome: welcomeFrameSchema,
  credit: creditFrameSchema,
  'validate-request': validateRequestFrameSchema,
  'validate-response': validateResponseFrameSchema,
  'change-password-request': changePasswordRequestFrameSchema,
  'change-password-response': changePasswordResponseFrameSchema,
  ping: pingFrameSchema,
  pong: pongFrameSchema,
  reconnect: reconnectFrameSchema,
  error: errorFrameSchema,
} as const;

export type FrameType = keyof typeof FRAME_SCHEMAS;
export const FRAME_TYPES = Object.keys(FRAME_SCHEMAS) as FrameType[];

/** Frame types each side may send. */
export const AGENT_FRAME_TYPES: ReadonlySet<FrameType> = new Set<FrameType>([
  'hello',
  'credit',
  'validate-response',
  'change-password-response',
  'ping',
  'pong',
  'error',
]);
export const CLOUD_FRAME_TYPES: ReadonlySet<FrameType> = new Set<FrameType>([
  'welcome',
  'validate-request',
  'change-password-request',
  'ping',
  'pong',
  'reconnect',
  'error',
]);

export const frameSchema = z.discriminatedUnion('type', [
  helloFrameSchema,
  welcomeFrameSchema,
  creditFrameSchema,
  validateRequestFrameSchema,
  validateResponseFrameSchema,
  changePasswordRequestFrameSchema,
  changePasswordResponseFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  reconnectFrameSchema,
  errorFrameSchema,
]);

export type Frame = z.infer<typeof frameSchema>;
export type FrameOf<T extends FrameType> = Extract<Frame, { type: T }>;
/** Frames the agent sends (the cloud receives). */
export type AgentFrame = FrameOf<
  'hello' | 'credit' | 'validate-response' | 'change-password-response' | 'ping' | 'pong' | 'error'
>;
/** Frames the cloud sends (the agent receives). */
export type CloudFrame = FrameOf<
  'welcome' | 'validate-request' | 'change-password-request' | 'ping' | 'pong' | 'reconnect' | 'error'
>;
