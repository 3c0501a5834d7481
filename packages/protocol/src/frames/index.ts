export { CLOSE_CODES, type CloseCodeName, TERMINAL_CLOSE_CODES } from './close-codes.ts';
export { type Timings, timingsSchema } from './fields.ts';
export {
  AGENT_FRAME_TYPES,
  type AgentFrame,
  CLOUD_FRAME_TYPES,
  type CloudFrame,
  FRAME_SCHEMAS,
  FRAME_TYPES,
  type Frame,
  type FrameOf,
  type FrameType,
  frameSchema,
} from './frame.ts';
export {
  encodeFrame,
  MAX_FRAME_BYTES,
  type ParseFrameOptions,
  type ParseFrameResult,
  parseFrame,
} from './parse-frame.ts';
export {
  type ChangePasswordRequestFrame,
  type ChangePasswordResponseFrame,
  changePasswordRequestFrameSchema,
  changePasswordResponseFrameSchema,
  type ValidateRequestFrame,
  type ValidateResponseFrame,
  validateRequestFrameSchema,
  validateResponseFrameSchema,
} from './request-frames.ts';
export {
  type CreditFrame,
  creditFrameSchema,
  type ErrorFrame,
  errorFrameSchema,
  type HelloFrame,
  helloFrameSchema,
  type PingFrame,
  type PongFrame,
  pingFrameSchema,
  pongFrameSchema,
  type ReconnectFrame,
  reconnectFrameSchema,
  type WelcomeFrame,
  welcomeFrameSchema,
} from './session-frames.ts';
