/**
 * Per-client options kept in an OIDC client's `settings` JSON (docs/SIGN-IN.md lists them):
 *   tokenEndpointAuthMethod  'client_secret_basic' (default) | 'client_secret_post' | 'private_key_jwt'
 *   jwks                     the client's public JWK Set, for private_key_jwt (RFC 7523, RFC 7517 section 5)
 *   postLogoutRedirectUris   where RP-initiated logout may return to
 *   firstParty               false = show the consent page; default true (clients are registered by an admin)
 * Two schemas: a tolerant one to read what is stored, and a strict one for input at the admin API.
 */
import { z } from 'zod';
import { redirectUriSchema } from './validation.ts';

export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

/** Reading stored settings: unknown keys are kept (older or newer versions may have written them). */
export const clientSettingsSchema = z.looseObject({
  tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }).optional(),
  postLogoutRedirectUris: z.array(z.string().max(2048)).max(50).optional(),
  firstParty: z.boolean().optional(),
});
export type ClientSettings = z.output<typeof clientSettingsSchema>;

/** JWK members that only a private or symmetric key has (RFC 7518 sections 6.2.2, 6.3.2, 6.4.1; RFC 8037). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const publicJwkSchema = z
  .record(z.string(), z.unknown())
  .refine((key) => key.kty === 'RSA' || key.kty === 'EC' || key.kty === 'OKP', {
    message: 'each key needs "kty" RSA, EC or OKP (private_key_jwt uses an asymmetric key)',
  })
  .refine((key) => PRIVATE_JWK_MEMBERS.every((member) => !(member in key)), {
    message: 'a key holds private key material: register only the public key (the client keeps the private one)',
  });

/** Input at the admin API: only known keys, only public keys, redirect-URI rules for logout URIs. */
export const clientSettingsInputSchema = z
  .object({
    tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
    jwks: z
      .object({ keys: z.array(publicJwkSchema).min(1).max(20) })
      .strict()
      .optional(),
    postLogoutRedirectUris: z.array(redirectUriSchema).max(50).optional(),
    firstParty: z.boolean().optional(),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const keyAuth = settings.tokenEndpointAuthMethod === 'private_key_jwt';
    if (keyAuth && !settings.jwks) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwks'],
        message: 'private_key_jwt needs the client public keys in jwks (CLI: --jwks-file)',
      });
    }
    if (!keyAuth && settings.jwks) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwks'],
        message: 'jwks is only used with tokenEndpointAuthMethod private_key_jwt',
      });
    }
  });
export type ClientSettingsInput = z.input<typeof clientSettingsInputSchema>;

/** The stored settings of a client, or the strict defaults when they cannot be read. */
export function readClientSettings(settings: unknown): ClientSettings {
  const parsed = clientSettingsSchema.safeParse(settings ?? {});
  // An unreadable settings object must not widen what the client may do: fall back to the strict defaults.
  return parsed.success ? parsed.data : {};
}
