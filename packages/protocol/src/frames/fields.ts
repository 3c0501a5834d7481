import { z } from 'zod';

/**
 * Field schemas shared by several frames. Limits are deliberately tight: a frame is parsed before anything else
 * happens to it, so every string has a maximum length and every number a range.
 */

/** Request ids are made by the cloud; a conservative alphabet keeps them safe in logs and metrics labels. */
export const requestIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/);

/** Epoch milliseconds (UTC). */
export const epochMsSchema = z.number().int().min(0).max(8_640_000_000_000_000);

/** A compact JWE (five base64url parts); its content is checked by openEnvelope, not here. */
export const envelopeFieldSchema = z
  .string()
  .min(20)
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

/** The domain part of the sign-in name (after "@"), sent in clear so an agent can refuse domains it does not serve. */
export const usernameDomainSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.-]+$/);

/** Per-step durations in milliseconds measured by the agent; unknown keys are dropped. */
export const timingsSchema = z.object({
  decryptMs: z.number().min(0).max(3_600_000).optional(),
  searchMs: z.number().min(0).max(3_600_000).optional(),
  bindMs: z.number().min(0).max(3_600_000).optional(),
  /** The directory validation as a whole (binds, searches, waiting for a pooled connection). */
  directoryMs: z.number().min(0).max(3_600_000).optional(),
  totalMs: z.number().min(0).max(3_600_000).optional(),
});

export type Timings = z.infer<typeof timingsSchema>;

export const shortTextSchema = z.string().max(256);
export const messageTextSchema = z.string().max(1024);

/** Credits granted at once (a `credit` frame, or an answer's `credits` in version 2). */
export const creditsSchema = z.number().int().min(0).max(10_000);
