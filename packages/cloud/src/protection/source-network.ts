import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a client address belongs to, as used for "familiar location" decisions: the /24 of an IPv4 address
 * and the /64 of an IPv6 address (RFC 4291 section 2.5.4: a /64 is one subnet, and one host usually owns a whole /64
 * through SLAAC privacy addresses, RFC 8981). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2)
 * count as IPv4. Returns `unknown` for anything that is not an IP address, so a bad value never matches a real one.
 */
export function sourceNetwork(ip: string): string {
  const address = ip.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  const v4 = mapped ? mapped[1]! : address;
  if (isIPv4(v4)) {
    const [a, b, c] = v4.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  if (isIPv6(address)) {
    const groups = expandIPv6(address);
    return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return 'unknown';
}

/** Eight lower-case 16-bit groups without leading zeros, from any valid IPv6 text form (zone id dropped). */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase().split('%')[0]!;
  // An embedded dotted IPv4 tail (e.g. 64:ff9b::1.2.3.4) becomes two hex groups.
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [, a, b, c, d] = tail.map(Number) as [number, number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
