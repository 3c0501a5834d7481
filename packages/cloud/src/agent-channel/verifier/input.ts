/**
 * Cheap checks before any encryption or network call (CredentialVerifier contract): an empty password never reaches
 * a bind (an LDAP simple bind with an empty password is an unauthenticated bind that succeeds: RFC 4513 section
 * 5.1.2), and control characters or oversized values are refused as bad_request.
 */
const MAX_USERNAME = 1024;
const MAX_PASSWORD = 1024;
// C0 controls and DEL; NUL would truncate the value in some directory code paths.
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function checkCredentialInput(username: string, passwords: readonly string[]): boolean {
  if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME) return false;
  if (hasControl(username)) return false;
  for (const p of passwords) {
    if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PASSWORD || hasControl(p)) return false;
  }
  return true;
}

/** The UPN suffix (after the last "@"), lower case, when it is a plausible DNS name; else undefined. */
export function usernameDomain(username: string): string | undefined {
  const at = username.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = username.slice(at + 1).toLowerCase();
  return /^[a-z0-9.-]{1,255}$/.test(domain) ? domain : undefined;
}
