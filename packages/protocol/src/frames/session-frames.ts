import { z } from 'zod';
import { creditsSchema, epochMsSchema, messageTextSchema, shortTextSchema } from './fields.ts';

/** Agent -> cloud, first frame on a new connection. The agent's identity comes from its TLS client certificate. */
export const helloFrameSchema = z.object({
  type: z.literal('hello'),
  /** Every protocol version the agent speaks. */
  versions: z.array(z.number().int().min(1).max(1000)).min(1).max(16),
  agentVersion: shortTextSchema,
  hostname: shortTextSchema,
  /** Optional features the agent supports (e.g. "change-password"); unknown names are ignored. */
  capabilities: z.array(z.string().max(64)).max(32).optional(),
});

/** Cloud -> agent, the answer to hello: the negotiated version and the session's settings. */
export const welcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  version: z.number().int().min(1).max(1000),
  agentId: shortTextSchema,
  tenantId: shortTextSchema,
  /** The agent should expect a ping at least this often; two missed intervals mean the connection is dead. */
  heartbeatIntervalMs: z.number().int().min(100).max(600_000),
  /** The cloud's time (epoch ms), so the agent can log clock skew, which makes envelopes look expired. */
  serverTime: epochMsSchema,
  /** The cloud node the agent is connected to (for logs). */
  node: shortTextSchema.optional(),
});

/**
 * Agent -> cloud flow control: the agent is ready for `credits` MORE requests (additive, like an HTTP/2 window update,
 * RFC 9113 section 6.9). Each request the cloud sends uses one credit; the cloud never sends without credit.
 */
export const creditFrameSchema = z.object({
  type: z.literal('credit'),
  credits: creditsSchema,
});

/** Either side: liveness probe. The receiver answers with a pong echoing `id`. */
export const pingFrameSchema = z.object({
  type: z.literal('ping'),
  id: z.string().min(1).max(64),
  sentAt: epochMsSchema,
});

export const pongFrameSchema = z.object({
  type: z.literal('pong'),
  id: z.string().min(1).max(64),
  /** Echo of the ping's sentAt, so the pinger computes the round trip without keeping state. */
  sentAt: epochMsSchema,
});

/**
 * Cloud -> agent: "drain and connect elsewhere". The agent stops sending credit on this connection, finishes its
 * in-flight requests, opens a new connection (to `url` when given, after `delayMs`), then closes this one.
 */
export const reconnectFrameSchema = z.object({
  type: z.literal('reconnect'),
  reason: z.enum(['draining', 'rebalance', 'renew-certificate']),
  url: z.string().url().max(2048).optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});

/**
 * Either side: something went wrong. With `requestId` it ends that one request (the agent refused it, for example an
 * envelope that did not open: code ENVELOPE_*); without, it describes why the sender is about to close.
 */
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Z0-9_]+$/),
  message: messageTextSchema,
  requestId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/)
    .optional(),
});

export type HelloFrame = z.infer<typeof helloFrameSchema>;
export type WelcomeFrame = z.infer<typeof welcomeFrameSchema>;
export type CreditFrame = z.infer<typeof creditFrameSchema>;
export type PingFrame = z.infer<typeof pingFrameSchema>;
export type PongFrame = z.infer<typeof pongFrameSchema>;
export type ReconnectFrame = z.infer<typeof reconnectFrameSchema>;
export type ErrorFrame = z.infer<typeof errorFrameSchema>;
