/**
 * Validation of the sign-in forms (zod at the boundary). Limits are generous for real names and passwords but keep
 * odd input away from the directory: a field that is missing, too long, not well-formed Unicode (lone surrogates)
 * or carries control characters is a `bad_request` with a message the page can show. Usernames are NFC-normalised
 * and trimmed; passwords are passed exactly as typed (the directory compares them byte for byte).
 */
import { z } from 'zod';

export const MAX_FIELD_LENGTH = 256;

const CONTROL = /\p{Cc}/u;

function field(label: string, max = MAX_FIELD_LENGTH) {
  return z
    .string({ error: `Enter your ${label}.` })
    .max(max * 4, `The ${label} is too long.`)
    .refine((v) => v.isWellFormed(), `The ${label} contains characters that are not allowed.`)
    .refine((v) => !CONTROL.test(v), `The ${label} contains characters that are not allowed.`)
    .refine((v) => [...v].length <= max, `The ${label} is too long (at most ${max} characters).`);
}

const username = field('username')
  .transform((v) => v.normalize('NFC').trim())
  .refine((v) => v.length > 0, 'Enter your username.')
  .refine((v) => /^[^@\s]+@[^@\s]+$/u.test(v), 'Enter your username in the form name@example.com.');

const password = (label: string) => field(label).refine((v) => v.length > 0, `Enter your ${label}.`);

export const signInFormSchema = z.object({
  csrf: z.string().max(128).optional(),
  username,
  password: password('password'),
});

export const changePasswordFormSchema = z
  .object({
    csrf: z.string().max(128).optional(),
    currentPassword: password('current password'),
    newPassword: password('new password'),
    confirmPassword: password('new password again'),
  })
  .refine((f) => f.newPassword === f.confirmPassword, {
    message: 'The new passwords do not match.',
    path: ['confirmPassword'],
  });

export type SignInForm = z.output<typeof signInFormSchema>;
export type ChangePasswordForm = z.output<typeof changePasswordFormSchema>;

/** The first message of a failed parse, for the page (zod messages above are user-facing by design). */
export function firstMessage(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'The form was not filled in correctly.';
}

/** The domain part of a UPN, lower-cased, for home-realm discovery. */
export function upnDomain(upn: string): string {
  return upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * A second-factor code: a TOTP code (digits, spaces allowed) or a recovery code; the MFA service checks the format.
 * The app-code field is named `otp` (with autocomplete="one-time-code", the name password managers and phones look
 * for); `code` is accepted too (the recovery-code field, and older forms).
 */
export const mfaCodeFormSchema = z.preprocess((body) => {
  if (typeof body !== 'object' || body === null) return body;
  const { otp, ...rest } = body as Record<string, unknown>;
  return otp !== undefined && rest.code === undefined ? { ...rest, code: otp } : rest;
}, mfaCodeFields());

function mfaCodeFields() {
  return z.object({
    csrf: z.string().max(128).optional(),
    method: z.enum(['totp', 'recovery_code'], { error: 'Choose how to verify.' }),
    code: field('code', 64)
      .transform((v) => v.replaceAll(' ', '').trim())
      .refine((v) => v.length > 0, 'Enter the code.'),
  });
}

/**
 * A WebAuthn ceremony result as the WebAuthn script posts it (`response`: JSON of a PublicKeyCredential). Only the
 * shape is checked here; @simplewebauthn/server verifies the content (challenge, origin, RP ID, signature).
 */
export const securityKeyResponse = z.object({
  csrf: z.string().max(128).optional(),
  method: z.literal('webauthn'),
  response: z
    .string()
    .max(12_000)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z.looseObject({
        id: z.string().min(1).max(1024),
        rawId: z.string().min(1).max(1024),
        type: z.literal('public-key'),
        response: z.looseObject({ clientDataJSON: z.string().max(4096) }),
      }),
    ),
});
