import { z } from 'zod';

/** Tenant slug: becomes a URL path segment of the issuer; lower-case letters, digits and inner hyphens. */
export const tenantNameSchema = z
  .string()
  .min(2, 'tenant name must be at least 2 characters')
  .max(63, 'tenant name must be at most 63 characters')
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'tenant name must be lower-case letters, digits and inner hyphens');

/**
 * A verified domain (UPN suffix): a DNS name per RFC 1035 section 2.3.1 / RFC 1123 section 2.1, at least two labels,
 * labels of 1-63 letters, digits and inner hyphens, total at most 253. Lower-cased before validation.
 */
export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253, 'domain must be at most 253 characters')
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'domain must be a DNS name such as corp.example.com',
  );

/**
 * A redirect URI: absolute, no fragment (RFC 6749 section 3.1.2). https, or http only for loopback hosts
 * (RFC 8252 section 7.3), or a private-use scheme for native apps (RFC 8252 section 7.1).
 */
export const redirectUriSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.hash !== '' || value.includes('#')) return false;
    if (url.protocol === 'https:') return true;
    if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol);
  }, 'redirect URI must be an absolute https URL (http only for localhost) without a fragment');

export const settingsSchema = z.record(z.string(), z.unknown());
