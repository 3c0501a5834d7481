import { z } from 'zod';
import { directoryAttributesSchema } from '../directory-attributes.ts';
import { OUTCOMES } from '../outcome.ts';
import {
  creditsSchema,
  envelopeFieldSchema,
  epochMsSchema,
  requestIdSchema,
  shortTextSchema,
  timingsSchema,
  usernameDomainSchema,
} from './fields.ts';

/**
 * Cloud -> agent: validate one sign-in. The username and password travel only inside `envelope` (a JWE encrypted to
 * this agent's key and bound to requestId, tenant, agent and expiry: docs/PROTOCOL.md, "Password envelope").
 */
export const validateRequestFrameSchema = z.object({
  type: z.literal('validate-request'),
  requestId: requestIdSchema,
  envelope: envelopeFieldSchema,
  /** Epoch ms after which the cloud no longer waits: the agent drops the request instead of binding. */
  expiresAt: epochMsSchema,
  usernameDomain: usernameDomainSchema.optional(),
});

/** Agent -> cloud: the typed outcome of a validate-request. */
export const validateResponseFrameSchema = z.object({
  type: z.literal('validate-response'),
  requestId: requestIdSchema,
  outcome: z.enum(OUTCOMES),
  /** Present when the password was proven (see PASSWORD_PROVEN) and the agent is configured to send attributes. */
  attributes: directoryAttributesSchema.optional(),
  /** The domain controller that answered (host name), for the sign-in log. */
  dc: shortTextSchema.optional(),
  timings: timingsSchema.optional(),
  /** Version 2: credit granted with the answer, as a `credit` frame would (docs/PROTOCOL.md, "Flow control"). */
  credits: creditsSchema.optional(),
});

/** Cloud -> agent: change a password; the envelope carries username, old and new password. */
export const changePasswordRequestFrameSchema = z.object({
  type: z.literal('change-password-request'),
  requestId: requestIdSchema,
  envelope: envelopeFieldSchema,
  expiresAt: epochMsSchema,
  usernameDomain: usernameDomainSchema.optional(),
});

export const changePasswordResponseFrameSchema = z.object({
  type: z.literal('change-password-response'),
  requestId: requestIdSchema,
  outcome: z.enum(OUTCOMES),
  dc: shortTextSchema.optional(),
  timings: timingsSchema.optional(),
  credits: creditsSchema.optional(),
});

export type ValidateRequestFrame = z.infer<typeof validateRequestFrameSchema>;
export type ValidateResponseFrame = z.infer<typeof validateResponseFrameSchema>;
export type ChangePasswordRequestFrame = z.infer<typeof changePasswordRequestFrameSchema>;
export type ChangePasswordResponseFrame = z.infer<typeof changePasswordResponseFrameSchema>;
