/**
 * Adaptive frame batching under load (docs/PROTOCOL.md section 6, docs/PERFORMANCE.md (a)). While a connection
 * carries at least `fromInFlight` other requests, a request (cloud) or an answer (agent) may wait up to `windowMs` so
 * that the frames of several sign-ins leave in one TLS record, one write and one wake-up of the other end instead of
 * one each. Those per-message costs, not the JSON or the crypto, are most of the channel's CPU at a few hundred
 * sign-ins per second. Below the threshold nothing waits: a lone sign-in never pays the window, and the frame that
 * leaves the threshold (the last answer, a heartbeat) takes the held ones with it at once.
 *
 * The window is short next to what a busy sign-in already waits for (an LDAP bind of several milliseconds behind
 * others on the DC), so it adds latency only where there is a queue, and bounded by `windowMs`.
 */

export interface FrameBatching {
  /** Longest a frame waits for others; 0 turns batching off. */
  readonly windowMs: number;
  /** Batch only while at least this many other requests are in flight on the connection. */
  readonly fromInFlight: number;
}

/** Both ends' default (measured on 2 cores against Samba: docs/PERFORMANCE.md, (a) session 4). */
export const DEFAULT_FRAME_BATCHING: FrameBatching = Object.freeze({ windowMs: 2, fromInFlight: 4 });

/** The most a frame may wait, for `inFlight` other requests on its connection: 0 = leave at the end of this turn. */
export function batchHoldMs(batching: FrameBatching, inFlight: number): number {
  return batching.windowMs > 0 && inFlight >= batching.fromInFlight ? batching.windowMs : 0;
}
