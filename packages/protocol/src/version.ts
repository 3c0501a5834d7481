/**
 * Versioning of the cloud<->agent wire protocol (docs/PROTOCOL.md, "Versioning").
 *
 * One integer per incompatible revision. Inside a version, frames may gain optional fields and new frame types that the
 * receiver may ignore; anything else (a renamed or removed field, a changed meaning) needs a new version. The agent
 * offers every version it speaks in `hello`; the cloud answers with the highest one both speak in `welcome`, or closes
 * with CLOSE_CODES.unsupportedVersion.
 */
export const PROTOCOL_VERSION = 2;

/**
 * Versions this build speaks, highest first.
 * - 1: credit travels in `credit` frames only.
 * - 2: an answer (validate-response, change-password-response) may carry `credits`, granted as a `credit` frame
 *   would: an agent that knows the cloud reads them (welcome.version >= 2) sends no credit frame of its own per
 *   answer. A version 1 cloud would drop the unknown field and with it the credit, hence a new version.
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [2, 1];

/** The first version whose answers carry `credits`. */
export const CREDITS_IN_ANSWERS_VERSION = 2;

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
