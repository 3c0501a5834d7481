/**
 * Values of one attribute of an ldapts entry. ldapts keys attributes as the server spells them (AD answers
 * `objectSid` for `objectsid`), so the name is matched without regard to case.
 */

/** The raw values (Buffer for attributes asked as explicit buffers, else string); [] when absent. */
export function rawValues(entry: Readonly<Record<string, unknown>>, attribute: string): unknown[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === wanted);
  const value = key ? entry[key] : undefined;
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The values as strings (Buffers decoded as UTF-8). */
export function textValues(entry: Readonly<Record<string, unknown>>, attribute: string): string[] {
  return rawValues(entry, attribute).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}
