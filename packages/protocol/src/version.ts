/**
 * Versioning of the cloud<->agent wire protocol (docs/PROTOCOL.md, "Versioning").
 *
 * One integer per incompatible revision. Inside a version, frames may gain optional fields and new frame types that the
 * receiver may ignore; anything else (a renamed or removed field, a changed meaning) needs a new version. The agent
 * offers every version it speaks in `hello`; the cloud answers with the highest one both speak in `welcome`, or closes
 * with CLOSE_CODES.unsupportedVersion.
 */
export const PROTOCOL_VERSION = 1;

/** Versions this build speaks, highest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** The highest version in both lists, or undefined when there is none. */
export function negotiateProtocolVersion(
  offered: readonly number[],
  supported: readonly number[] = SUPPORTED_PROTOCOL_VERSIONS,
): number | undefined {
  let best: number | undefined;
  for (const version of offered) {
    if (supported.includes(version) && (best === undefined || version > best)) best = version;
  }
  return best;
}
