/**
 * Distinguished names (RFC 4514): escaping for building DNs, and a normalised form for comparing them. AD compares
 * DNs case-insensitively and ignores spaces around separators, so the normalised form lowercases and trims.
 */

/** Escapes one RDN attribute value (RFC 4514 2.4). */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

export interface Rdn {
  readonly type: string;
  readonly value: string;
}

/** Parses a DN into RDNs (multi-valued RDNs are kept as one RDN whose parts are sorted). Returns undefined if invalid. */
export function parseDn(dn: string): Rdn[] | undefined {
  const rdns: Rdn[] = [];
  if (dn.trim() === '') return rdns;
  let parts: Rdn[] = [];
  let type = '';
  let value: number[] = [];
  let inValue = false;
  let sawEquals = false;
  const bytes = Buffer.from(dn, 'utf8');
  const flushPart = (): boolean => {
    if (!sawEquals) return false;
    const t = type.trim();
    if (!/^[A-Za-z][A-Za-z0-9-]*$|^\d+(\.\d+)*$/.test(t)) return false;
    parts.push({ type: t.toLowerCase(), value: Buffer.from(value).toString('utf8').trim() });
    type = '';
    value = [];
    inValue = false;
    sawEquals = false;
    return true;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (!inValue) {
      if (b === 0x3d) {
        inValue = true;
        sawEquals = true;
      } else type += String.fromCharCode(b);
      continue;
    }
    if (b === 0x5c) {
      const next = bytes[i + 1];
      if (next === undefined) return undefined;
      const hex = Buffer.from([next, bytes[i + 2] ?? 0]).toString('latin1');
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        value.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        value.push(next);
        i += 1;
      }
    } else if (b === 0x2c || b === 0x3b) {
      if (!flushPart()) return undefined;
      rdns.push(joinParts(parts));
      parts = [];
    } else if (b === 0x2b) {
      if (!flushPart()) return undefined;
    } else value.push(b);
  }
  if (!flushPart()) return undefined;
  rdns.push(joinParts(parts));
  return rdns;
}

function joinParts(parts: readonly Rdn[]): Rdn {
  if (parts.length === 1 && parts[0]) return parts[0];
  const sorted = [...parts].sort((a, b) => a.type.localeCompare(b.type));
  return { type: sorted.map((p) => p.type).join('+'), value: sorted.map((p) => `${p.type}=${p.value}`).join('+') };
}

/** One RDN's comparison key: lowercased, re-escaped, so keys can be joined with commas without ambiguity. */
function rdnKey(rdn: Rdn): string {
  return `${rdn.type}=${escapeDnValue(rdn.value.toLowerCase())}`;
}

/** The comparison key of a DN, or undefined when the DN is not valid. */
export function normalizeDn(dn: string): string | undefined {
  // Searches name the same few base DNs over and over: remember short ones (bounded, so no client can grow it).
  const known = normalized.get(dn);
  if (known !== undefined || normalized.has(dn)) return known;
  const rdns = parseDn(dn);
  const key = rdns ? rdns.map(rdnKey).join(',') : undefined;
  if (dn.length <= 512) {
    if (normalized.size >= 1024) normalized.clear();
    normalized.set(dn, key);
  }
  return key;
}

const normalized = new Map<string, string | undefined>();

/** The comparison key of a DN's parent ('' for a single RDN), or undefined when the DN is not valid. */
export function parentKey(dn: string): string | undefined {
  const rdns = parseDn(dn);
  if (!rdns) return undefined;
  return rdns.slice(1).map(rdnKey).join(',');
}
